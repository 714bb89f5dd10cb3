import type { Command } from 'commander';

/** `streamrec reset --yes`. */
export function registerResetCommand(program: Command): void {
  program
    .command('reset')
    .description("clear what was learned from the clickstream (users' states, model, trending, learner offsets and snapshots); topics and catalog stay")
    .option('--yes', 'really delete (required: there is no prompt)')
    .action(async (opts: { yes?: boolean }) => (await import('./reset-action.ts')).resetAction(opts));
}

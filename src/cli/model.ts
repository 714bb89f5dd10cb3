import type { Command } from 'commander';

/** `streamrec model list` and `streamrec model rollback [--to VERSION] --yes`: the kept model versions, and switching back to one. */
export function registerModelCommand(program: Command): void {
  const model = program.command('model').description('the model versions Redis keeps, and switching back to one (list | rollback)');
  model
    .command('list')
    .description('the kept model versions, newest (served) first, with what each was trained on')
    .option('--json', 'print them as JSON')
    .action(async (opts: { json?: boolean }) => (await import('./model-action.ts')).modelListAction(opts));
  model
    .command('rollback')
    .description('serve an earlier kept version again: saved as a new version and published to every learner and API process (stored rankings go stale, as after a train)')
    .option('--to <version>', 'the version to serve again (default: the one before the current)')
    .option('--yes', 'really switch (required: there is no prompt)')
    .action(async (opts: { to?: string; yes?: boolean }) => (await import('./model-action.ts')).modelRollbackAction(opts));
}

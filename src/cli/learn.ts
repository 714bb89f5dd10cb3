import type { Command } from 'commander';

export function registerLearnCommand(program: Command): void {
  program
    .command('learn')
    .description('run one learner worker: clickstream in, user state in Redis, lists out (run several to scale out)')
    .action(async () => (await import('./learn-action.ts')).learnAction());
}

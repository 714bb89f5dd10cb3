import type { Command } from 'commander';

export function registerRefitCommand(program: Command): void {
  program
    .command('refit')
    .description('run the refit worker: item vectors refit from clickstream co-occurrence on the online model\'s schedule, new model versions published (run one)')
    .action(async () => (await import('./refit-action.ts')).refitAction());
}

import type { Command } from 'commander';

/**
 * `streamrec start`: everything on one machine. The local stack (unless KAFKA_BROKERS
 * names one), the demo model when Redis holds none, one learner, the refitter and one API
 * process in this process; Ctrl-C drains them and stops the stack this command started.
 */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('everything on one machine: stack, demo model, learner, refitter, API')
    .option('--keep-stack', 'leave Kafka and Redis running on exit (faster next start)')
    .action(async (opts: { keepStack?: boolean }) => (await import('./start-action.ts')).startAction(opts));
}

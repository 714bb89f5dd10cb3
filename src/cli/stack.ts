import type { Command } from 'commander';
import type { StackCliOptions } from './stack-action.ts';

/** `streamrec stack up|down|status`: the local Kafka broker and Redis (src/stack). */
export function registerStackCommand(program: Command): void {
  program
    .command('stack <action>')
    .description('local Apache Kafka (KRaft) and Redis: up | down | status')
    .option('--quiet', 'print only problems')
    .option('--json', 'status: print the status as JSON (for scripts such as .ci/run)')
    .option('--timeout <ms>', 'how long "up" waits for the broker to become healthy', '90000')
    .action(async (action: string, opts: StackCliOptions) => (await import('./stack-action.ts')).stackAction(action, opts));
}

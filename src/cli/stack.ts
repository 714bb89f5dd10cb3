import type { Command } from 'commander';
import { StreamrecError } from '../errors.ts';

// Placeholder until the stack lands (owned by the stack work); replaced, not extended.
export function registerStackCommand(program: Command): void {
  program
    .command('stack <action>')
    .description('local Apache Kafka (KRaft) and Redis: up | down | status')
    .option('--quiet', 'print only problems')
    .action(() => {
      throw new StreamrecError('INTERNAL', 'stack is not implemented yet');
    });
}

import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { resolveStack } from '../stack/index.ts';
import { runRefitterUntilSignal } from '../training/run-refitter.ts';

export function registerRefitCommand(program: Command): void {
  program
    .command('refit')
    .description('run the refit worker: item vectors refit from clickstream co-occurrence on the online model\'s schedule, new model versions published (run one)')
    .action(async () => {
      const config = await resolveStack(loadConfig(process.env));
      const log = createLogger('refitter', config.logLevel);
      process.exitCode = await runRefitterUntilSignal(config, log);
    });
}

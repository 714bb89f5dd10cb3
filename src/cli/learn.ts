import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { runLearnerUntilSignal } from '../pipeline/run.ts';
import { resolveStack } from '../stack/index.ts';

export function registerLearnCommand(program: Command): void {
  program
    .command('learn')
    .description('run one learner worker: clickstream in, user state in Redis, lists out (run several to scale out)')
    .action(async () => {
      const config = await resolveStack(loadConfig(process.env));
      const log = createLogger('learner', config.logLevel);
      process.exitCode = await runLearnerUntilSignal(config, log);
    });
}

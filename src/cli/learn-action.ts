import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { runLearnerUntilSignal } from '../pipeline/run.ts';
import { resolveStack } from '../stack/index.ts';

/** What `streamrec learn` does (declared in learn.ts). */
export async function learnAction(): Promise<void> {
  const config = await resolveStack(loadConfig(process.env));
  const log = createLogger('learner', config.logLevel);
  process.exitCode = await runLearnerUntilSignal(config, log);
}

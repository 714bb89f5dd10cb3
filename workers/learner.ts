import { loadConfig } from '../src/config.ts';
import { formatErrorLine } from '../src/errors.ts';
import { createLogger } from '../src/log.ts';
import { runLearnerUntilSignal } from '../src/pipeline/run.ts';
import { resolveStack } from '../src/stack/index.ts';

// One learner process: `node --import tsx workers/learner.ts` (scale out by running more).
try {
  const config = await resolveStack(loadConfig(process.env));
  const log = createLogger('learner', config.logLevel);
  process.exitCode = await runLearnerUntilSignal(config, log);
} catch (err) {
  process.stderr.write(`${formatErrorLine(err)}\n`);
  process.exitCode = 1;
}

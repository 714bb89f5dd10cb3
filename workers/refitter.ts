import { loadConfig } from '../src/config.ts';
import { formatErrorLine } from '../src/errors.ts';
import { createLogger } from '../src/log.ts';
import { resolveStack } from '../src/stack/index.ts';
import { runRefitterUntilSignal } from '../src/training/run-refitter.ts';

// The refit worker: `node --import tsx workers/refitter.ts` (run exactly one).
try {
  const config = await resolveStack(loadConfig(process.env));
  const log = createLogger('refitter', config.logLevel);
  process.exitCode = await runRefitterUntilSignal(config, log);
} catch (err) {
  process.stderr.write(`${formatErrorLine(err)}\n`);
  process.exitCode = 1;
}

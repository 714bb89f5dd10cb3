// One API process: `tsx workers/api.ts` (what `streamrec serve` runs).
import { loadConfig } from '../src/config.ts';
import { formatErrorLine } from '../src/errors.ts';
import { createLogger } from '../src/log.ts';
import { runApiUntilSignal } from '../src/serving/run.ts';

try {
  const config = loadConfig(process.env);
  process.exitCode = await runApiUntilSignal(config, createLogger('api', config.logLevel));
} catch (err) {
  process.stderr.write(`${formatErrorLine(err)}\n`);
  process.exitCode = 1;
}

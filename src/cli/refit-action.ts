import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { resolveStack } from '../stack/index.ts';
import { runRefitterUntilSignal } from '../training/run-refitter.ts';

/** What `streamrec refit` does (declared in refit.ts). */
export async function refitAction(): Promise<void> {
  const config = await resolveStack(loadConfig(process.env));
  const log = createLogger('refitter', config.logLevel);
  process.exitCode = await runRefitterUntilSignal(config, log);
}

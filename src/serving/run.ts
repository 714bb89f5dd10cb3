import type { Config } from '../config.ts';
import { runUntilSignal } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { resolveStack } from '../stack/index.ts';
import { startApi } from './api.ts';

/** Runs one API process until SIGINT/SIGTERM, then drains and closes everything. Resolves with the exit code. */
export async function runApiUntilSignal(config: Config, log: Logger, onListening?: (address: string) => void): Promise<number> {
  const effective = await resolveStack(config);
  return runUntilSignal(
    'API',
    async () => {
      const api = await startApi(effective, log);
      onListening?.(api.address);
      return api;
    },
    { log, hardStopMs: config.learner.shutdownGraceMs + 2000 },
  );
}

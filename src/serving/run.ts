import type { Config } from '../config.ts';
import { onShutdownSignals } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { resolveStack } from '../stack/index.ts';
import { startApi } from './api.ts';

/** Runs one API process until SIGINT/SIGTERM, then drains and closes everything. */
export async function runApiUntilSignal(config: Config, log: Logger, onListening?: (address: string) => void): Promise<void> {
  const api = await startApi(await resolveStack(config), log);
  onListening?.(api.address);
  await new Promise<void>((resolve) => {
    const remove = onShutdownSignals((signal) => {
      log.info({ signal }, 'shutting down: draining the API');
      api.close().then(
        () => {
          remove();
          resolve();
        },
        (err: unknown) => {
          log.error({ err }, 'shutdown step failed');
          remove();
          resolve();
        },
      );
    });
  });
}

import type { Config } from '../config.ts';
import { onShutdownSignals } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { startRefitter } from './refit-worker.ts';

/**
 * Runs the refit worker until SIGTERM/SIGINT, then leaves the group and publishes a refit
 * in flight within config.learner.shutdownGraceMs (a hard deadline backs the bounded
 * steps). Resolves with the exit code.
 */
export async function runRefitterUntilSignal(config: Config, log: Logger): Promise<number> {
  let fatal: ((err: Error) => void) | undefined;
  const died = new Promise<number>((resolve) => {
    fatal = (err) => {
      log.fatal({ err: err.message }, 'refitter consumer stopped for good');
      resolve(1);
    };
  });
  let removeHandlers: () => void = () => undefined;
  const signalled = new Promise<number>((resolve) => {
    removeHandlers = onShutdownSignals((signal) => {
      log.info({ signal }, 'shutting down the refitter');
      resolve(0);
    });
  });
  const runtime = await startRefitter(config, log, { onFatal: (err) => fatal?.(err) }).catch((err: unknown) => {
    removeHandlers();
    throw err;
  });
  const code = await Promise.race([signalled, died]);
  // Consumer leave and publish each get the grace time; past both, exit anyway.
  const hardStop = setTimeout(() => {
    log.error({ graceMs: config.learner.shutdownGraceMs }, 'shutdown exceeded the grace time; exiting');
    process.exit(1);
  }, config.learner.shutdownGraceMs * 2 + 2000);
  hardStop.unref();
  try {
    await runtime.close();
  } catch (err) {
    log.error({ err: (err as Error).message }, 'shutdown step failed');
    return 1;
  } finally {
    removeHandlers();
    clearTimeout(hardStop);
  }
  log.info({ ...runtime.stats, published: runtime.published, lastVersion: runtime.lastVersion }, 'refitter stopped');
  return code;
}

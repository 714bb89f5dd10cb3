import type { Config } from '../config.ts';
import { onShutdownSignals } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { startLearner } from './compose.ts';

/**
 * Runs one learner until SIGTERM/SIGINT, then drains (finish the batch, commit,
 * disconnect) within config.learner.shutdownGraceMs. Resolves with the exit code.
 */
export async function runLearnerUntilSignal(config: Config, log: Logger): Promise<number> {
  let fatal: ((err: Error) => void) | undefined;
  const died = new Promise<number>((resolve) => {
    fatal = (err) => {
      log.fatal({ err: err.message }, 'learner consumer stopped for good');
      resolve(1);
    };
  });
  const runtime = await startLearner(config, log, { onFatal: (err) => fatal?.(err) });
  let removeHandlers: () => void = () => undefined;
  const signalled = new Promise<number>((resolve) => {
    removeHandlers = onShutdownSignals((signal) => {
      log.info({ signal }, 'shutting down: finishing the batch in progress');
      resolve(0);
    });
  });
  const code = await Promise.race([signalled, died]);
  // A hard deadline in case a cleanup step hangs despite its own bounds.
  const hardStop = setTimeout(() => {
    log.error({ graceMs: config.learner.shutdownGraceMs }, 'shutdown exceeded the grace time; exiting');
    process.exit(1);
  }, config.learner.shutdownGraceMs + 2000);
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
  log.info('learner stopped');
  return code;
}

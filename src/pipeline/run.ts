import type { Config } from '../config.ts';
import { runUntilSignal } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { startLearner } from './compose.ts';

/**
 * Runs one learner until SIGTERM/SIGINT, then drains (finish the batch, commit,
 * disconnect) within config.learner.shutdownGraceMs. Resolves with the exit code.
 */
export function runLearnerUntilSignal(config: Config, log: Logger): Promise<number> {
  return runUntilSignal('learner', (onFatal) => startLearner(config, log, { onFatal }), {
    log,
    // The drain is bounded by the grace time; the extra 2 s covers a cleanup step that hangs anyway.
    hardStopMs: config.learner.shutdownGraceMs + 2000,
    onStopped: () => log.info('learner stopped'),
  });
}

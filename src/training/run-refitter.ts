import type { Config } from '../config.ts';
import { runUntilSignal } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { startRefitter } from './refit-worker.ts';

/**
 * Runs the refit worker until SIGTERM/SIGINT, then leaves the group and publishes a refit
 * in flight within config.learner.shutdownGraceMs. Resolves with the exit code.
 */
export function runRefitterUntilSignal(config: Config, log: Logger): Promise<number> {
  return runUntilSignal('refitter', (onFatal) => startRefitter(config, log, { onFatal }), {
    log,
    // Consumer leave and publish each get the grace time; past both, exit anyway.
    hardStopMs: config.learner.shutdownGraceMs * 2 + 2000,
    onStopped: (r) => log.info({ ...r.stats, published: r.published, lastVersion: r.lastVersion }, 'refitter stopped'),
  });
}

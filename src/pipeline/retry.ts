import { isStreamrecError, StreamrecError } from '../errors.ts';
import { sleep } from '../lifecycle.ts';
import type { Logger } from '../log.ts';

/** Runs one I/O step of a batch, retrying until it succeeds or the batch must be abandoned. */
export type StepRunner = <T>(step: string, fn: () => Promise<T>) => Promise<T>;

export interface RetryHooks {
  /** Called before the first retry of a batch (the consumer pauses the partition). */
  onFault(step: string, err: StreamrecError): void;
  /** Called when a step succeeds after faults (the consumer resumes the partition). */
  onRecovered(step: string, attempts: number): void;
  /** Waits between attempts keep the group membership alive. */
  keepAlive(): Promise<void>;
  /** False once the batch must be given up (shutdown, rebalance): the step then throws. */
  shouldContinue(): boolean;
}

export const RETRY_BASE_MS = 100;

/**
 * Exponential backoff from RETRY_BASE_MS, capped at maxMs, with jitter. Every failure is
 * retried (a non-retryable error in I/O is logged louder but still retried): dropping
 * events is never an option, and the offset is not committed until the step succeeds.
 */
export function createStepRunner(maxMs: number, log: Logger, hooks: RetryHooks): StepRunner {
  return async (step, fn) => {
    let attempts = 0;
    for (;;) {
      try {
        const result = await fn();
        if (attempts > 0) hooks.onRecovered(step, attempts);
        return result;
      } catch (err) {
        const e = isStreamrecError(err) ? err : new StreamrecError('INTERNAL', (err as Error)?.message ?? String(err), { cause: err });
        if (attempts === 0) hooks.onFault(step, e);
        attempts++;
        const delayMs = backoffMs(attempts, maxMs);
        const entry = { step, attempts, delayMs, code: e.code, err: e.message };
        if (e.retryable) log.warn(entry, 'transient fault; partition paused, retrying');
        else log.error(entry, 'unexpected fault; retrying (events are never dropped)');
        await sleepAlive(delayMs, hooks);
        if (!hooks.shouldContinue()) {
          throw new StreamrecError('INTERNAL', `batch abandoned during ${step} (stopping or rebalanced); it will be redelivered`, { cause: e });
        }
      }
    }
  };
}

export function backoffMs(attempt: number, maxMs: number): number {
  const exp = Math.min(maxMs, RETRY_BASE_MS * 2 ** Math.min(attempt - 1, 30));
  return Math.round(exp / 2 + (Math.random() * exp) / 2);
}

async function sleepAlive(totalMs: number, hooks: RetryHooks): Promise<void> {
  const deadline = Date.now() + totalMs;
  while (Date.now() < deadline && hooks.shouldContinue()) {
    await sleep(Math.min(1000, deadline - Date.now()));
    await hooks.keepAlive().catch(() => undefined);
  }
}

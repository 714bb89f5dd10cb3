import type { ClickEvent } from '../core/events.ts';
import { isStreamrecError, StreamrecError } from '../errors.ts';
import { sleep } from '../lifecycle.ts';
import { backoffMs } from './retry.ts';

/**
 * Produces one chunk; calls `acked(n)` when its first n events are acknowledged (a send in
 * parts), so a retry after a failure half-way starts at the first unacknowledged event.
 */
export type FeedSend = (chunk: ClickEvent[], acked: (count: number) => void) => Promise<void>;

export interface FeedOutagePolicy {
  /** Gives up (throws) once one outage has lasted this long. */
  maxOutageMs: number;
  /** Backoff between attempts doubles from 100 ms up to this cap. */
  backoffMaxMs: number;
  /** Once per outage, at its first failure: the error, the first wait and the limit. */
  onOutage?: (err: StreamrecError, info: { waitMs: number; maxOutageMs: number; position: number }) => void;
  /** When a send succeeds after an outage. */
  onRecovered?: (info: { outageMs: number; attempts: number; position: number }) => void;
}

export interface FeedOptions {
  /** Events per second; undefined or 0 means as fast as the broker takes them. */
  ratePerSec?: number;
  /** Called whenever events are acknowledged, with the running count (events [0, sent) are stored). */
  onProgress?: (sent: number) => void;
  /** Stops early when it returns true (Ctrl-C), also between retries of an outage. */
  shouldStop?: () => boolean;
  /** Retry retryable failures (broker down) instead of throwing at the first one. */
  outage?: FeedOutagePolicy;
  clock?: () => number;
}

export interface FeedResult {
  sent: number;
  elapsedMs: number;
  /** Achieved events per second, measured from first send to last acknowledgement. */
  ratePerSec: number;
  /** True when shouldStop ended the feed before the input did. */
  stopped: boolean;
}

const FAST_CHUNK = 2000;

/**
 * Pushes events through `send` in order. At a fixed rate a token bucket releases
 * rate/20 events every 50 ms (so bursts stay small and the average is exact over the
 * run); without a rate, chunks go out as soon as the previous one is acknowledged.
 * With an outage policy a retryable failure is retried from the first unacknowledged event
 * (acknowledged ones are never sent again; ones in flight at the failure may be, and carry
 * the same eventIds), so nothing is lost and the order per user holds.
 */
export async function feedEvents(
  events: AsyncIterable<ClickEvent> | Iterable<ClickEvent>,
  send: FeedSend,
  options: FeedOptions = {},
): Promise<FeedResult> {
  const clock = options.clock ?? Date.now;
  const rate = options.ratePerSec && options.ratePerSec > 0 ? options.ratePerSec : undefined;
  const chunkMax = rate === undefined ? FAST_CHUNK : Math.max(1, Math.min(FAST_CHUNK, Math.ceil(rate / 20)));
  const startedAt = clock();
  const stopRequested = () => options.shouldStop?.() === true;
  let sent = 0;
  let stopped = false;
  let chunk: ClickEvent[] = [];

  const sendWithRetry = async (): Promise<void> => {
    let done = 0;
    let attempts = 0;
    let outageStartedAt = 0;
    while (done < chunk.length) {
      let ackedNow = 0;
      const base = done;
      try {
        await send(chunk.slice(base), (n) => {
          ackedNow = Math.max(ackedNow, n);
          options.onProgress?.(sent + base + ackedNow);
        });
        done = chunk.length;
      } catch (err) {
        done = base + ackedNow;
        const policy = options.outage;
        if (policy === undefined || !isStreamrecError(err) || !err.retryable) throw err;
        if (attempts === 0) outageStartedAt = clock();
        attempts++;
        const outageMs = clock() - outageStartedAt;
        if (outageMs >= policy.maxOutageMs) {
          throw new StreamrecError('KAFKA_UNAVAILABLE', `gave up after ${Math.round(outageMs / 1000)} s of outage (${attempts} attempts) at event ${sent + done}: ${err.message}`, {
            retryable: true,
            cause: err,
          });
        }
        const waitMs = Math.min(backoffMs(attempts, policy.backoffMaxMs), policy.maxOutageMs - outageMs);
        if (attempts === 1) policy.onOutage?.(err, { waitMs, maxOutageMs: policy.maxOutageMs, position: sent + done });
        await sleep(waitMs);
        if (stopRequested()) break;
      }
    }
    if (attempts > 0 && done === chunk.length) {
      options.outage?.onRecovered?.({ outageMs: clock() - outageStartedAt, attempts, position: sent + done });
    }
    sent += done;
    if (done < chunk.length) stopped = true;
    chunk = [];
    options.onProgress?.(sent);
  };

  const flush = async () => {
    if (chunk.length === 0) return;
    if (rate !== undefined) {
      // Tokens accrue at `rate` per second since the start; wait until this chunk is covered.
      const dueAt = startedAt + ((sent + chunk.length) / rate) * 1000;
      const waitMs = dueAt - clock();
      if (waitMs > 0) await sleep(waitMs);
    }
    await sendWithRetry();
  };

  for await (const e of events) {
    if (stopped || stopRequested()) {
      stopped = true;
      break;
    }
    chunk.push(e);
    if (chunk.length >= chunkMax) await flush();
  }
  if (!stopped && !stopRequested()) await flush();
  else if (chunk.length > 0) stopped = true;
  const elapsedMs = Math.max(1, clock() - startedAt);
  return { sent, elapsedMs, ratePerSec: (sent * 1000) / elapsedMs, stopped };
}

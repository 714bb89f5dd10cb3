import type { ClickEvent } from '../core/events.ts';
import { sleep } from '../lifecycle.ts';

export interface FeedOptions {
  /** Events per second; undefined or 0 means as fast as the broker takes them. */
  ratePerSec?: number;
  /** Called after each acknowledged chunk with the running count. */
  onProgress?: (sent: number) => void;
  /** Stops early when it returns true (Ctrl-C). */
  shouldStop?: () => boolean;
  clock?: () => number;
}

export interface FeedResult {
  sent: number;
  elapsedMs: number;
  /** Achieved events per second, measured from first send to last acknowledgement. */
  ratePerSec: number;
}

const FAST_CHUNK = 2000;

/**
 * Pushes events through `send` in order. At a fixed rate a token bucket releases
 * rate/20 events every 50 ms (so bursts stay small and the average is exact over the
 * run); without a rate, chunks go out as soon as the previous one is acknowledged.
 */
export async function feedEvents(
  events: AsyncIterable<ClickEvent> | Iterable<ClickEvent>,
  send: (chunk: ClickEvent[]) => Promise<void>,
  options: FeedOptions = {},
): Promise<FeedResult> {
  const clock = options.clock ?? Date.now;
  const rate = options.ratePerSec && options.ratePerSec > 0 ? options.ratePerSec : undefined;
  const chunkMax = rate === undefined ? FAST_CHUNK : Math.max(1, Math.min(FAST_CHUNK, Math.ceil(rate / 20)));
  const startedAt = clock();
  let sent = 0;
  let chunk: ClickEvent[] = [];

  const flush = async () => {
    if (chunk.length === 0) return;
    if (rate !== undefined) {
      // Tokens accrue at `rate` per second since the start; wait until this chunk is covered.
      const dueAt = startedAt + ((sent + chunk.length) / rate) * 1000;
      const waitMs = dueAt - clock();
      if (waitMs > 0) await sleep(waitMs);
    }
    await send(chunk);
    sent += chunk.length;
    chunk = [];
    options.onProgress?.(sent);
  };

  for await (const e of events) {
    if (options.shouldStop?.()) break;
    chunk.push(e);
    if (chunk.length >= chunkMax) await flush();
  }
  if (!options.shouldStop?.()) await flush();
  const elapsedMs = Math.max(1, clock() - startedAt);
  return { sent, elapsedMs, ratePerSec: (sent * 1000) / elapsedMs };
}

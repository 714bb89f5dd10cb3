import type { ItemRefitter } from '../core/item-refitter.ts';
import type { NeighbourRecord } from '../core/neighbour-table.ts';
import { withTimeout } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { ItemNeighboursPublisher } from '../core/ports.ts';

/** Rows built and sent per send: about 2 MB at 100 rules of short ids (sendChunked splits it further by bytes). */
export const NEIGHBOUR_ROWS_PER_BATCH = 1000;

export interface NeighbourRowsPublisher {
  /** Rows published since start. */
  readonly published: number;
  /** Rows that changed and are not published yet. */
  readonly pending: number;
  /** Publishes every changed row now, in bounded batches; concurrent calls share one flush. */
  flush(): Promise<void>;
  /** From now on, flushes every `intervalMs` while `allowed()` holds. */
  start(): void;
  /** Stops the timer and publishes what is left, bounded by `graceMs`; idempotent. */
  close(graceMs: number): Promise<void>;
}

/**
 * Replicates the refitter's co-visitation rules: the rows of the items whose rules changed
 * (ItemRefitter.takeChangedRules) go to item-neighbours, each as its current rowOf, so a row
 * that changed many times between two flushes is sent once. A failed send keeps its items for
 * the next flush (the row is read again then); nothing is lost, only late.
 */
export function createNeighbourRowsPublisher(
  refitter: ItemRefitter,
  publisher: ItemNeighboursPublisher,
  intervalMs: number,
  allowed: () => boolean,
  log: Logger,
  clock: () => number = Date.now,
): NeighbourRowsPublisher {
  let published = 0;
  let retry: string[] = [];
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const drain = async (): Promise<void> => {
    for (;;) {
      const ids = retry.length > 0 ? retry.splice(0, NEIGHBOUR_ROWS_PER_BATCH) : refitter.takeChangedRules(NEIGHBOUR_ROWS_PER_BATCH);
      if (ids.length === 0) return;
      const now = clock();
      const records: NeighbourRecord[] = [];
      for (const itemId of ids) {
        const row = refitter.coVisitation.rowOf(itemId);
        if (row) records.push({ ...row, itemId, updatedAtMs: now });
      }
      try {
        await publisher.publish(records);
        published += records.length;
      } catch (err) {
        retry = ids.concat(retry);
        log.warn({ err: (err as Error).message, rows: ids.length, pending: retry.length + refitter.pendingRuleChanges }, 'co-visitation rows not published; retried at the next flush');
        return;
      }
    }
  };
  const flush = (): Promise<void> => {
    inFlight ??= drain().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  return {
    get published() {
      return published;
    },
    get pending() {
      return retry.length + refitter.pendingRuleChanges;
    },
    flush,
    start() {
      if (timer || closed) return;
      timer = setInterval(() => {
        if (allowed()) void flush();
      }, intervalMs);
      timer.unref();
    },
    async close(graceMs) {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      if (!allowed() && inFlight === undefined) return;
      await withTimeout(flush(), graceMs, () => new Error('timeout')).catch(() => {
        log.warn({ pending: retry.length + refitter.pendingRuleChanges, graceMs }, 'co-visitation rows left unpublished at shutdown (the next start publishes them)');
      });
    },
  };
}

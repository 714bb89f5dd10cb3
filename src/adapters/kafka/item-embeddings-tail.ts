import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Config } from '../../config.ts';
import type { AnnIndex } from '../../core/ann-index.ts';
import { StreamrecError } from '../../errors.ts';
import { withTimeout } from '../../lifecycle.ts';
import type { Logger } from '../../log.ts';
import { decodeItemEmbedding, type ItemEmbeddingChange } from './item-embeddings.ts';

export interface ItemEmbeddingsTailStats {
  upserts: number;
  removals: number;
  invalid: number;
}

export interface ItemEmbeddingsTail {
  /**
   * Starts tailing and resolves once the index holds everything the topic held when
   * start() was called (the high watermarks observed then). Bounded by
   * config.learner.catchUpTimeoutMs; keeps tailing afterwards until stop().
   */
  start(): Promise<void>;
  readonly caughtUp: boolean;
  readonly stats: Readonly<ItemEmbeddingsTailStats>;
  stop(): Promise<void>;
}

export interface ItemEmbeddingsTailOptions {
  /** Called after each change reached the index (the learner uses it for metrics). */
  onChange?: (change: ItemEmbeddingChange) => void;
}

/**
 * Keeps `index` current from the compacted item-embeddings topic. Reads from the
 * beginning in a group of its own (unique id, nothing committed), so every process
 * sees every item, and applies adds, updates and removals (tombstones).
 */
export function createItemEmbeddingsTail(
  kafka: Kafka,
  config: Config,
  index: AnnIndex,
  log: Logger,
  options: ItemEmbeddingsTailOptions = {},
): ItemEmbeddingsTail {
  const topic = config.topics.itemEmbeddings;
  const stats: ItemEmbeddingsTailStats = { upserts: 0, removals: 0, invalid: 0 };
  let consumer: Consumer | undefined;
  let caughtUp = false;
  let stopped = false;
  // Partition -> offset the tail must reach (the high watermark seen at start).
  const pending = new Map<number, number>();
  let markCaughtUp: () => void = () => undefined;
  const caughtUpPromise = new Promise<void>((resolve) => {
    markCaughtUp = () => {
      if (caughtUp) return;
      caughtUp = true;
      resolve();
    };
  });

  const apply = (change: ItemEmbeddingChange): void => {
    if (change.kind === 'upsert') {
      if (change.record.vector.length !== index.dim) {
        stats.invalid++;
        log.warn({ itemId: change.record.itemId, dim: change.record.vector.length, expected: index.dim }, 'item vector has the wrong dimension; skipped');
        return;
      }
      index.upsert(change.record.itemId, change.record.vector);
      stats.upserts++;
    } else if (change.kind === 'remove') {
      index.remove(change.itemId);
      stats.removals++;
    } else {
      stats.invalid++;
      log.warn({ reason: change.reason }, 'invalid item-embeddings message skipped');
    }
    options.onChange?.(change);
  };

  const reached = (partition: number, nextOffset: number): void => {
    const target = pending.get(partition);
    if (target !== undefined && nextOffset >= target) pending.delete(partition);
    if (pending.size === 0) markCaughtUp();
  };

  return {
    get caughtUp() {
      return caughtUp;
    },
    stats,
    async start() {
      const timeoutMs = config.learner.catchUpTimeoutMs;
      const admin = kafka.admin();
      try {
        await withTimeout(admin.connect(), config.kafka.connectionTimeoutMs + config.kafka.requestTimeoutMs, () => unavailable('admin connect timed out'));
        const offsets = await admin.fetchTopicOffsets(topic);
        for (const o of offsets) {
          const high = Number(o.high);
          if (high > Number(o.low)) pending.set(o.partition, high);
        }
      } catch (err) {
        throw err instanceof StreamrecError ? err : unavailable(`cannot read offsets of ${topic}: ${(err as Error).message}`, err);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      if (pending.size === 0) markCaughtUp();
      const c = kafka.consumer({
        groupId: `${config.kafka.clientId}-item-tail-${randomUUID()}`,
        maxWaitTimeInMs: 200,
        allowAutoTopicCreation: false,
      });
      consumer = c;
      await c.connect();
      await c.subscribe({ topics: [topic], fromBeginning: true });
      await c.run({
        autoCommit: false,
        eachBatch: async ({ batch, heartbeat }) => {
          for (const m of batch.messages) apply(decodeItemEmbedding(m.key, m.value));
          if (batch.messages.length > 0) reached(batch.partition, Number(batch.lastOffset()) + 1);
          // A batch at the end of the log proves the partition is caught up even when
          // compaction removed the offsets just below the watermark.
          if (Number(batch.highWatermark) <= Number(batch.lastOffset()) + 1) reached(batch.partition, Number(batch.highWatermark));
          await heartbeat();
        },
      });
      await withTimeout(caughtUpPromise, timeoutMs, () =>
        new StreamrecError('TIMEOUT', `item-embeddings tail did not catch up within ${timeoutMs} ms (${pending.size} partitions behind)`, {
          hint: 'check the broker, or raise CATCH_UP_TIMEOUT_MS for a very large model',
        }),
      );
      log.info({ topic, items: index.size, ...stats }, 'item-embeddings tail caught up');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await consumer?.disconnect();
    },
  };
}

function unavailable(detail: string, cause?: unknown): StreamrecError {
  return new StreamrecError('KAFKA_UNAVAILABLE', detail, { retryable: true, cause, hint: 'start the local stack with `streamrec stack up` or set KAFKA_BROKERS' });
}

import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Config } from '../../config.ts';
import { StreamrecError } from '../../errors.ts';
import { withTimeout } from '../../lifecycle.ts';
import type { Logger } from '../../log.ts';
import { createGroupConsumer, type GroupConsumer } from './group-consumer.ts';
import { readPartitionOffsets } from './offsets.ts';

export interface CompactedTail {
  /**
   * Starts tailing and resolves once everything the topic held when start() was called (the
   * high watermarks observed then) is applied. Bounded by config.learner.catchUpTimeoutMs (a
   * TIMEOUT error past it); keeps tailing afterwards until stop().
   */
  start(): Promise<void>;
  readonly caughtUp: boolean;
  /** Per partition, the offset below which every record is applied (partitions not reached yet are absent). */
  positions(): ReadonlyMap<number, number>;
  stop(): Promise<void>;
}

export interface CompactedTailSpec<C> {
  topic: string;
  /** Names the tail in its consumer group id and its errors, e.g. `item-tail`. */
  name: string;
  decode(key: Buffer | null, value: Buffer | null): C;
  apply(change: C): void;
  /** apply for a run of changes in topic order, when the copy takes a run cheaper than one by one. */
  applyMany?(changes: C[]): void;
  /**
   * False for a one-shot reader: the tail stops itself once caught up, joins no group when the
   * topic holds nothing to read, and long-polls briefly, so leaving after the catch-up does not
   * wait out a full fetch. Default true: keep tailing until stop().
   */
  follow?: boolean;
}

// A follower's fetch waits this long on an idle topic; a one-shot reader's (which leaves its group
// right after the catch-up, and whose leave waits for the fetch in flight) only briefly.
const FOLLOW_MAX_WAIT_MS = 200;
const ONE_SHOT_MAX_WAIT_MS = 10;
/**
 * A fetched batch (up to 1 MB a partition: thousands of item vectors) is applied this many
 * records at a time, with the event loop's turn between runs: the process keeps answering
 * while a refit streams in.
 */
const APPLY_RUN = 512;

/**
 * Keeps an in-process copy current from a compacted topic: reads from the beginning in a group
 * of its own (unique id, nothing committed), so every process sees every key, and hands each
 * decoded record (upserts, tombstones, invalid ones) to `apply` in topic order.
 */
export function createCompactedTail<C>(kafka: Kafka, config: Config, log: Logger, spec: CompactedTailSpec<C>): CompactedTail {
  const { topic } = spec;
  const follow = spec.follow ?? true;
  let consumer: GroupConsumer | undefined;
  let caughtUp = false;
  let stopped = false;
  let stopping: Promise<void> | undefined;
  // Partition -> offset the tail must reach (the high watermark seen at start).
  const pending = new Map<number, number>();
  const applied = new Map<number, number>();
  let markCaughtUp: () => void = () => undefined;
  const caughtUpPromise = new Promise<void>((resolve) => {
    markCaughtUp = () => {
      if (caughtUp) return;
      caughtUp = true;
      resolve();
    };
  });

  const reached = (partition: number, nextOffset: number): void => {
    applied.set(partition, Math.max(applied.get(partition) ?? 0, nextOffset));
    const target = pending.get(partition);
    if (target !== undefined && nextOffset >= target) pending.delete(partition);
    if (pending.size === 0) markCaughtUp();
  };

  const stop = (): Promise<void> => {
    // One stop for every caller: a second call waits for the first to finish.
    stopping ??= (async () => {
      stopped = true;
      await consumer?.stop();
    })();
    return stopping;
  };

  return {
    get caughtUp() {
      return caughtUp;
    },
    positions: () => applied,
    async start() {
      const timeoutMs = config.learner.catchUpTimeoutMs;
      try {
        for (const o of await readPartitionOffsets(kafka, config, topic)) {
          if (o.high > o.low) pending.set(o.partition, o.high);
          else applied.set(o.partition, o.high);
        }
      } catch (err) {
        throw unavailable(`cannot read offsets of ${topic}: ${(err as Error).message}`, err);
      }
      if (pending.size === 0) markCaughtUp();
      // stop() may come while start() is under way (a process failing half-way through its start).
      if (stopped || (!follow && caughtUp)) return;
      consumer = createGroupConsumer(kafka, config, log, {
        name: spec.name,
        groupId: `${config.kafka.clientId}-${spec.name}-${randomUUID()}`,
        topic,
        fromBeginning: true,
        maxWaitTimeInMs: follow ? FOLLOW_MAX_WAIT_MS : ONE_SHOT_MAX_WAIT_MS,
        commitsByHand: false,
        eachBatch: async (batch) => {
          const { messages } = batch;
          for (let at = 0; at < messages.length; at += APPLY_RUN) {
            if (at > 0) await new Promise<void>((resolve) => setImmediate(resolve));
            const run = messages.slice(at, at + APPLY_RUN).map((m) => spec.decode(m.key, m.value));
            if (spec.applyMany) spec.applyMany(run);
            else for (const change of run) spec.apply(change);
          }
          if (batch.messages.length > 0) reached(batch.partition, Number(batch.lastOffset()) + 1);
          // A batch at the end of the log proves the partition is caught up even when
          // compaction removed the offsets just below the watermark.
          if (Number(batch.highWatermark) <= Number(batch.lastOffset()) + 1) reached(batch.partition, Number(batch.highWatermark));
          await batch.heartbeat();
        },
      });
      await consumer.start();
      if (stopped) return;
      try {
        await withTimeout(caughtUpPromise, timeoutMs, () =>
          new StreamrecError('TIMEOUT', `${topic} tail did not catch up within ${timeoutMs} ms (${pending.size} partitions behind)`, {
            hint: 'check the broker, or raise CATCH_UP_TIMEOUT_MS for a very large model',
          }),
        );
      } finally {
        // A one-shot reader leaves its group now, beside whatever it does next; stop() awaits the leave.
        if (!follow) stop().catch((err: unknown) => log.debug({ topic, err: (err as Error).message }, 'tail stop failed'));
      }
    },
    stop,
  };
}

function unavailable(detail: string, cause?: unknown): StreamrecError {
  return new StreamrecError('KAFKA_UNAVAILABLE', detail, { retryable: true, cause, hint: 'start the local stack with `streamrec stack up` or set KAFKA_BROKERS' });
}

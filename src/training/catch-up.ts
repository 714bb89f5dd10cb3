import type { Kafka } from 'kafkajs';
import type { Config } from '../config.ts';
import { StreamrecError } from '../errors.ts';
import { withTimeout } from '../lifecycle.ts';
import type { Logger } from '../log.ts';

/** Progress of a consumer reading a topic from the beginning (the refitter rebuilding its co-occurrence). */
export interface CatchUp {
  readonly partitions: number;
  readonly pendingPartitions: number;
  readonly caughtUp: boolean;
  readonly promise: Promise<void>;
  reached(partition: number, nextOffset: number): void;
  onCaughtUp(listener: () => void): void;
}

/** Tracks the rebuild: done when every partition reached the high watermark it had at start. */
export async function createCatchUp(kafka: Kafka, config: Config, topic: string, log: Logger): Promise<CatchUp> {
  const pending = new Map<number, number>();
  const admin = kafka.admin();
  let partitions = 0;
  try {
    await withTimeout(admin.connect(), config.kafka.connectionTimeoutMs + config.kafka.requestTimeoutMs, () => new Error('admin connect timed out'));
    for (const o of await admin.fetchTopicOffsets(topic)) {
      partitions++;
      if (Number(o.high) > Number(o.low)) pending.set(o.partition, Number(o.high));
    }
  } catch (err) {
    throw new StreamrecError('KAFKA_UNAVAILABLE', `cannot read the offsets of ${topic}: ${(err as Error).message}`, { retryable: true, cause: err });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  let caughtUp = false;
  let listener: () => void = () => undefined;
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  const check = () => {
    if (caughtUp || pending.size > 0) return;
    caughtUp = true;
    resolve();
    listener();
  };
  log.info({ topic, partitions, behind: pending.size }, 'rebuilding co-occurrence from the clickstream');
  return {
    partitions,
    get pendingPartitions() {
      return pending.size;
    },
    get caughtUp() {
      return caughtUp;
    },
    promise,
    reached(partition, nextOffset) {
      const target = pending.get(partition);
      if (target !== undefined && nextOffset >= target) pending.delete(partition);
      check();
    },
    onCaughtUp(l) {
      listener = l;
      // An empty topic is rebuilt at once; the listener runs when consumption starts.
      if (pending.size === 0) queueMicrotask(check);
    },
  };
}

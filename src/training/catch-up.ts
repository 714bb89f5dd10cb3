import type { KafkaClient } from '../adapters/kafka/client.ts';
import { readPartitionOffsets } from '../adapters/kafka/offsets.ts';
import type { Config } from '../config.ts';
import { StreamrecError } from '../errors.ts';
import type { Logger } from '../log.ts';

/** Progress of a consumer reading a topic from the beginning (the refitter rebuilding its co-occurrence). */
export interface CatchUp {
  readonly partitions: number;
  /** Where each partition's rebuild starts: its low watermark, or the first offset at or after sinceMs. */
  readonly startOffsets: ReadonlyMap<number, number>;
  readonly pendingPartitions: number;
  readonly caughtUp: boolean;
  readonly promise: Promise<void>;
  reached(partition: number, nextOffset: number): void;
  onCaughtUp(listener: () => void): void;
}

/**
 * Tracks the rebuild: done when every partition reached the high watermark it had at start.
 * With sinceMs (broker time), each partition starts at its first record at or after it, and a
 * partition with nothing that recent counts as read.
 */
export async function createCatchUp(kafka: KafkaClient, config: Config, topic: string, log: Logger, sinceMs?: number): Promise<CatchUp> {
  const pending = new Map<number, number>();
  const startOffsets = new Map<number, number>();
  let partitions = 0;
  try {
    for (const o of await readPartitionOffsets(kafka, config, topic, sinceMs)) {
      partitions++;
      // at -1: no record that recent, so the partition starts at its end.
      const start = o.at === undefined ? o.low : o.at < 0 ? o.high : Math.max(o.low, o.at);
      startOffsets.set(o.partition, start);
      if (o.high > start) pending.set(o.partition, o.high);
    }
  } catch (err) {
    throw new StreamrecError('KAFKA_UNAVAILABLE', `cannot read the offsets of ${topic}: ${(err as Error).message}`, { retryable: true, cause: err });
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
    startOffsets,
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

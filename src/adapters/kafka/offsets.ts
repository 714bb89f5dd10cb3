import type { Kafka } from 'kafkajs';
import type { Config } from '../../config.ts';
import { withTimeout } from '../../lifecycle.ts';

export interface PartitionOffsets {
  partition: number;
  /** Oldest offset still held. */
  low: number;
  /** Offset the next record will take (the high watermark). */
  high: number;
  /** With atMs: the first offset whose broker timestamp is at or after it, -1 when none is. */
  at?: number;
}

/**
 * Each partition's low and high watermarks (and, with atMs, the first offset at or after that
 * broker time), through a short-lived admin client whose connect is bounded by the Kafka
 * connection and request timeouts. Failures are the client's own errors: callers say what failed.
 */
export async function readPartitionOffsets(kafka: Kafka, config: Config, topic: string, atMs?: number): Promise<PartitionOffsets[]> {
  const admin = kafka.admin();
  try {
    await withTimeout(admin.connect(), config.kafka.connectionTimeoutMs + config.kafka.requestTimeoutMs, () => new Error('admin connect timed out'));
    const at = new Map<number, number>();
    if (atMs !== undefined) for (const o of await admin.fetchTopicOffsetsByTimestamp(topic, atMs)) at.set(o.partition, Number(o.offset));
    return (await admin.fetchTopicOffsets(topic)).map((o) => ({
      partition: o.partition,
      low: Number(o.low),
      high: Number(o.high),
      ...(at.has(o.partition) ? { at: at.get(o.partition)! } : {}),
    }));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Names of the topics the cluster holds, each request bounded by the connection timeout. */
export async function listTopicNames(kafka: Kafka, config: Config): Promise<string[]> {
  const admin = kafka.admin();
  try {
    await withTimeout(admin.connect(), config.kafka.connectionTimeoutMs, () => new Error('admin connect timed out'));
    return await withTimeout(admin.listTopics(), config.kafka.connectionTimeoutMs, () => new Error('listTopics timed out'));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

import type { Kafka } from 'kafkajs';
import type { Config } from '../../config.ts';
import { retryWithin, withTimeout } from '../../lifecycle.ts';
import { fetchClusterMetadata } from './topic-id.ts';
import { kafkaRequest, roundTrip, WireReader } from './wire.ts';

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
 * Without atMs the watermarks are first asked directly (Metadata, then ListOffsets of each
 * leader, as kafkajs asks them), which spares a one-shot reader loading and connecting kafkajs;
 * any failure there falls back to the admin client, whose answer or error then stands.
 */
export async function readPartitionOffsets(kafka: Kafka, config: Config, topic: string, atMs?: number): Promise<PartitionOffsets[]> {
  if (atMs === undefined) {
    const direct = await readWatermarksDirect(config, topic).catch(() => undefined);
    if (direct !== undefined) return direct;
  }
  const admin = kafka.admin();
  try {
    await withTimeout(admin.connect(), config.kafka.connectionTimeoutMs + config.kafka.requestTimeoutMs, () => new Error('admin connect timed out'));
    const read = async () => {
      const at = new Map<number, number>();
      if (atMs !== undefined) for (const o of await admin.fetchTopicOffsetsByTimestamp(topic, atMs)) at.set(o.partition, Number(o.offset));
      return (await admin.fetchTopicOffsets(topic)).map((o) => ({
        partition: o.partition,
        low: Number(o.low),
        high: Number(o.high),
        ...(at.has(o.partition) ? { at: at.get(o.partition)! } : {}),
      }));
    };
    return await retryWithin(read, { waitMs: LEADERSHIP_WAIT_MS, stepMs: LEADERSHIP_STEP_MS, retryable: isLeadershipInFlux });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

// A partition just created, or whose leader just moved, answers ListOffsets with "not the
// leader" or "unknown partition" for a moment; waited out this long, no longer.
const LEADERSHIP_WAIT_MS = 5_000;
const LEADERSHIP_STEP_MS = 200;
const LEADERSHIP_ERRORS = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION']);

function isLeadershipInFlux(err: unknown, depth = 0): boolean {
  const e = err as { type?: string; originalError?: unknown } | undefined;
  if (e === undefined || e === null || depth > 5) return false;
  return (e.type !== undefined && LEADERSHIP_ERRORS.has(e.type)) || isLeadershipInFlux(e.originalError, depth + 1);
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

const LIST_OFFSETS_API_KEY = 2;
// v2: the first with isolation_level, still non-flexible; Kafka 4 accepts v1 and up.
const LIST_OFFSETS_VERSION = 2;
const CORRELATION_ID = 1;
// kafkajs's default for its admin client, so both ways give the same numbers (the last stable
// offset, the high watermark of a topic without transactions).
const READ_COMMITTED = 1;
const EARLIEST = -2n;
const LATEST = -1n;

/** The watermarks without kafkajs; throws on any error or broker error code (the caller falls back). */
export async function readWatermarksDirect(config: Config, topic: string): Promise<PartitionOffsets[]> {
  // Bounded by the connect timeout: a broker that does not answer costs the fallback little.
  const timeoutMs = config.kafka.connectionTimeoutMs;
  const meta = await fetchClusterMetadata(config, [topic], `the partitions of ${topic}`, timeoutMs);
  const found = meta.topics.get(topic);
  if (found === undefined || found.errorCode !== 0 || found.partitions.length === 0) throw new Error(`no metadata of ${topic}`);
  const byLeader = new Map<number, number[]>();
  for (const p of found.partitions) {
    if (p.errorCode !== 0 || !meta.brokers.has(p.leader)) throw new Error(`partition ${p.partition} of ${topic} has no leader`);
    byLeader.set(p.leader, [...(byLeader.get(p.leader) ?? []), p.partition]);
  }
  const result: PartitionOffsets[] = [];
  await Promise.all(
    [...byLeader].map(async ([leader, partitions]) => {
      const { host, port } = meta.brokers.get(leader)!;
      const ask = async (timestamp: bigint) =>
        parseListOffsets(await roundTrip(host, port, listOffsetsRequest(config.kafka.clientId, topic, partitions, timestamp), timeoutMs), topic, partitions);
      const [low, high] = await Promise.all([ask(EARLIEST), ask(LATEST)]);
      for (const partition of partitions) result.push({ partition, low: low.get(partition)!, high: high.get(partition)! });
    }),
  );
  return result.sort((a, b) => a.partition - b.partition);
}

/** Request header v1 + ListOffsetsRequest v2: one topic, the same timestamp for each partition. */
function listOffsetsRequest(clientId: string, topic: string, partitions: readonly number[], timestamp: bigint): Buffer {
  const name = Buffer.from(topic, 'utf8');
  const body = Buffer.alloc(4 + 1 + 4 + 2 + name.length + 4 + partitions.length * 12);
  let at = body.writeInt32BE(-1, 0); // replica_id: a client
  at = body.writeInt8(READ_COMMITTED, at);
  at = body.writeInt32BE(1, at); // topics
  at = body.writeInt16BE(name.length, at);
  at += name.copy(body, at);
  at = body.writeInt32BE(partitions.length, at);
  for (const partition of partitions) {
    at = body.writeInt32BE(partition, at);
    at = body.writeBigInt64BE(timestamp, at);
  }
  return kafkaRequest(LIST_OFFSETS_API_KEY, LIST_OFFSETS_VERSION, CORRELATION_ID, clientId, false, body);
}

function parseListOffsets(buf: Buffer, topic: string, partitions: readonly number[]): Map<number, number> {
  const r = new WireReader(buf, (what) => new Error(`unexpected ListOffsets v${LIST_OFFSETS_VERSION} answer (${what})`));
  if (r.int32() !== CORRELATION_ID) throw new Error('unexpected ListOffsets answer (correlation id)');
  r.int32(); // throttle_time_ms
  const offsets = new Map<number, number>();
  for (let topics = r.int32(); topics > 0; topics--) {
    const name = r.string();
    for (let n = r.int32(); n > 0; n--) {
      const partition = r.int32();
      const errorCode = r.int16();
      r.int64(); // timestamp
      const offset = r.int64();
      if (name !== topic) continue;
      if (errorCode !== 0) throw new Error(`ListOffsets of ${topic}/${partition}: broker error code ${errorCode}`);
      offsets.set(partition, offset);
    }
  }
  if (!partitions.every((p) => offsets.has(p))) throw new Error(`ListOffsets of ${topic}: partitions missing from the answer`);
  return offsets;
}

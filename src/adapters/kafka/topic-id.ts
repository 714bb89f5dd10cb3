import type { Config } from '../../config.ts';
import { StreamrecError } from '../../errors.ts';
import { kafkaRequest, roundTrip, splitHostPort, uvarint, WireReader } from './wire.ts';

/**
 * The broker-assigned topic id (a UUID, Kafka 2.8+): it changes when a topic is deleted and
 * created again under the same name, which the name and partition count cannot show.
 * kafkajs 2.2 speaks Metadata up to v6, which predates topic ids, so this sends one
 * Metadata v12 request (Kafka 3.1+) itself, on a short-lived plaintext connection to the
 * first broker that answers. Undefined when the topic does not exist.
 */
export async function fetchTopicId(config: Config, topic: string): Promise<string | undefined> {
  const found = (await fetchClusterMetadata(config, [topic], `the id of topic ${topic}`)).topics.get(topic);
  if (found === undefined || found.errorCode === UNKNOWN_TOPIC_OR_PARTITION) return undefined;
  if (found.errorCode !== 0) throw new StreamrecError('KAFKA_UNAVAILABLE', `metadata of topic ${topic}: broker error code ${found.errorCode}`, { retryable: true });
  return found.topicId;
}

/** What a user's position stores of the id: its first 8 hex digits (a new topic's differ but for 1 in 4 billion). */
export function topicTag(topicId: string): string {
  return topicId.replaceAll('-', '').slice(0, 8);
}

const METADATA_API_KEY = 3;
const METADATA_VERSION = 12;
const CORRELATION_ID = 1;
export const UNKNOWN_TOPIC_OR_PARTITION = 3;

/** One topic of a Metadata answer. */
export interface TopicMetadata {
  /** The broker's error code for the topic (0 = none; UNKNOWN_TOPIC_OR_PARTITION when it does not exist). */
  errorCode: number;
  topicId: string;
  partitions: Array<{ partition: number; errorCode: number; leader: number }>;
}

/** A Metadata v12 answer: the brokers by node id, and the topics asked for by name. */
export interface ClusterMetadata {
  brokers: Map<number, { host: string; port: number }>;
  topics: Map<string, TopicMetadata>;
}

/**
 * Metadata v12 of `topics` from the first broker that answers (KAFKA_UNAVAILABLE, "cannot read
 * `what`", when none does; INTERNAL, not retryable, when an answer is malformed).
 */
export async function fetchClusterMetadata(
  config: Config,
  topics: readonly string[],
  what = `the metadata of ${topics.join(', ')}`,
  timeoutMs = config.kafka.requestTimeoutMs,
): Promise<ClusterMetadata> {
  let lastError: unknown;
  for (const broker of config.kafka.brokers) {
    const [host, port] = splitHostPort(broker);
    try {
      return parseMetadata(await roundTrip(host, port, metadataRequest(config.kafka.clientId, topics), timeoutMs));
    } catch (err) {
      if (err instanceof StreamrecError && !err.retryable) throw err;
      lastError = err;
    }
  }
  throw new StreamrecError('KAFKA_UNAVAILABLE', `cannot read ${what} from ${config.kafka.brokers.join(',')}: ${(lastError as Error)?.message ?? lastError}`, {
    retryable: true,
    cause: lastError,
  });
}

/** Request header v2 + MetadataRequest v12 (flexible: compact strings and arrays, tagged fields). */
function metadataRequest(clientId: string, topics: readonly string[]): Buffer {
  const parts = [uvarint(topics.length + 1)]; // topics: compact array
  for (const topic of topics) {
    const name = Buffer.from(topic, 'utf8');
    parts.push(Buffer.alloc(16), uvarint(name.length + 1), name, Buffer.from([0])); // zero topic_id (ask by name), name, tagged fields
  }
  parts.push(Buffer.from([0, 0]), Buffer.from([0])); // allow_auto_topic_creation, include_topic_authorized_operations; tagged fields
  return kafkaRequest(METADATA_API_KEY, METADATA_VERSION, CORRELATION_ID, clientId, true, Buffer.concat(parts));
}

function parseMetadata(buf: Buffer): ClusterMetadata {
  const r = new WireReader(buf, badResponse);
  if (r.int32() !== CORRELATION_ID) throw badResponse('correlation id');
  r.tags();
  r.int32(); // throttle_time_ms
  const brokers = new Map<number, { host: string; port: number }>();
  for (let n = r.compactLength(); n > 0; n--) {
    const nodeId = r.int32();
    const host = r.compactString() ?? '';
    const port = r.int32();
    r.compactString(); // rack
    r.tags();
    brokers.set(nodeId, { host, port });
  }
  r.compactString(); // cluster_id
  r.int32(); // controller_id
  const topics = new Map<string, TopicMetadata>();
  for (let n = r.compactLength(); n > 0; n--) {
    const errorCode = r.int16();
    const name = r.compactString();
    const topicId = r.uuid();
    r.skip(1); // is_internal
    const partitions: TopicMetadata['partitions'] = [];
    for (let p = r.compactLength(); p > 0; p--) {
      const partitionError = r.int16();
      const partition = r.int32();
      const leader = r.int32();
      r.skip(4); // leader_epoch
      for (let arrays = 0; arrays < 3; arrays++) r.skip(4 * r.compactLength()); // replicas, isr, offline
      r.tags();
      partitions.push({ partition, errorCode: partitionError, leader });
    }
    r.int32(); // topic_authorized_operations
    r.tags();
    if (name !== undefined) topics.set(name, { errorCode, topicId, partitions });
  }
  return { brokers, topics };
}

function badResponse(what: string): StreamrecError {
  return new StreamrecError('INTERNAL', `unexpected Metadata v${METADATA_VERSION} answer from Kafka (${what})`, {
    retryable: false,
    hint: 'the broker must be Kafka 3.1 or newer',
  });
}

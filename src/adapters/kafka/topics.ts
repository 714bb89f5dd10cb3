import type { ITopicConfig, Kafka } from 'kafkajs';
import type { Config } from '../../config.ts';
import { StreamrecError } from '../../errors.ts';
import { retryWithin } from '../../lifecycle.ts';
import type { Logger } from '../../log.ts';
import { readWatermarksDirect } from './offsets.ts';
import { fetchClusterMetadata } from './topic-id.ts';

export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions: number;
  readonly compacted: boolean;
}

/**
 * The engine's topics and their shape. recommendations, item-embeddings and item-neighbours are
 * compacted: only the latest list per user and the latest vector or rules per item matter, and
 * a tombstone removes an item. The dead-letter topic has one partition: order across it is not needed
 * and it stays small.
 */
export function topicSpecs(config: Config): TopicSpec[] {
  const t = config.topics;
  return [
    { topic: t.clickstream, numPartitions: t.clickstreamPartitions, compacted: false },
    { topic: t.deadLetter, numPartitions: 1, compacted: false },
    { topic: t.recommendations, numPartitions: t.recommendationsPartitions, compacted: true },
    { topic: t.itemEmbeddings, numPartitions: t.itemEmbeddingsPartitions, compacted: true },
    { topic: t.itemNeighbours, numPartitions: t.itemEmbeddingsPartitions, compacted: true },
  ];
}

export interface EnsureTopicsResult {
  readonly created: string[];
  readonly existing: string[];
}

/**
 * Creates the missing topics among `names` (default: all of topicSpecs) and waits for
 * their leaders. Idempotent, and safe when several processes race to create the same topic:
 * a TOPIC_ALREADY_EXISTS answer (kafkajs returns false, or throws it aggregated) counts as
 * success, and the shape is re-read from metadata either way.
 * An existing topic with a different partition count is left alone with a warning:
 * changing it would move users between partitions.
 * When every topic is there with its leaders (the usual case), one Metadata request of the
 * engine's own says so and kafkajs is neither loaded nor connected (topic-id.ts).
 */
export async function ensureTopics(kafka: Kafka, config: Config, names?: readonly string[], log?: Logger): Promise<EnsureTopicsResult> {
  const specs = topicSpecs(config).filter((s) => names === undefined || names.includes(s.topic));
  if (names) {
    const unknown = names.filter((n) => !specs.some((s) => s.topic === n));
    if (unknown.length > 0) {
      throw new StreamrecError('BAD_ARGUMENT', `ensureTopics: ${unknown.join(', ')} is not a topic of this config`, {
        hint: `use one of ${topicSpecs(config).map((s) => s.topic).join(', ')}`,
      });
    }
  }
  if (await allPresentDirect(config, specs, log)) return { created: [], existing: specs.map((s) => s.topic) };
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existingBefore = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existingBefore.has(s.topic));
    if (missing.length > 0) {
      try {
        // kafkajs's own leader wait gives up on the first "does not host this topic-partition"
        // that a KRaft broker answers while the new topic's metadata reaches it; ours below
        // waits that out.
        await admin.createTopics({
          waitForLeaders: false,
          timeout: config.kafka.requestTimeoutMs,
          topics: missing.map(toTopicConfig(config)),
        });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
    await checkShapeOnceLeadersExist(config, specs, Math.max(MIN_LEADER_WAIT_MS, config.kafka.requestTimeoutMs), log);
    return {
      created: missing.map((s) => s.topic),
      existing: specs.filter((s) => existingBefore.has(s.topic)).map((s) => s.topic),
    };
  } catch (err) {
    if (err instanceof StreamrecError) throw err;
    throw new StreamrecError('KAFKA_UNAVAILABLE', `could not create topics on ${config.kafka.brokers.join(',')}: ${errorText(err)}`, {
      hint: 'check that the broker runs (streamrec stack status) or fix KAFKA_BROKERS',
      cause: err,
    });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Kafka's default message.max.bytes, which a topic without its own max.message.bytes inherits. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
// kafkajs's ConfigResourceTypes.TOPIC; the enum is not a named export Node's ESM loader finds in kafkajs's CommonJS.
const TOPIC_RESOURCE = 2;

/**
 * The largest record batch `topic` accepts (its max.message.bytes, the broker's
 * message.max.bytes when the topic sets none). When it cannot be read (no DescribeConfigs
 * permission, say) Kafka's default is assumed and a warning says so.
 */
export async function readMaxMessageBytes(kafka: Kafka, topic: string, log: Logger): Promise<number> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ['max.message.bytes'] }],
    });
    const value = Number(described.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
    if (Number.isInteger(value) && value > 0) return value;
    log.warn({ topic, assumed: KAFKA_DEFAULT_MAX_MESSAGE_BYTES }, 'topic has no readable max.message.bytes; assuming the Kafka default');
  } catch (err) {
    log.warn({ topic, err: errorText(err), assumed: KAFKA_DEFAULT_MAX_MESSAGE_BYTES }, 'cannot read max.message.bytes of the topic; assuming the Kafka default');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
}

/** Deletes topics, ignoring ones already gone (test teardown). */
export async function deleteTopics(kafka: Kafka, topics: readonly string[], timeoutMs = 15_000): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: timeoutMs });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Deletes consumer groups (their committed offsets), so their next member reads from the
 * beginning. A group unknown to the broker is fine; a group with live members is refused.
 * Returns the groups that existed.
 */
export async function deleteConsumerGroups(kafka: Kafka, groupIds: readonly string[]): Promise<string[]> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const known = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
    const present = groupIds.filter((g) => known.has(g));
    const described = present.length > 0 ? (await admin.describeGroups(present)).groups : [];
    const busy = described.filter((g) => g.members.length > 0).map((g) => g.groupId);
    if (busy.length > 0) {
      throw new StreamrecError('CONFLICT', `consumer group ${busy.join(', ')} has running members`, { hint: 'stop the learners and the refit worker first' });
    }
    if (present.length > 0) await admin.deleteGroups(present);
    return present;
  } catch (err) {
    if (err instanceof StreamrecError) throw err;
    throw new StreamrecError('KAFKA_UNAVAILABLE', `could not delete consumer groups: ${errorText(err)}`, { cause: err });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function toTopicConfig(config: Config) {
  return (s: TopicSpec): ITopicConfig => ({
    topic: s.topic,
    numPartitions: s.numPartitions,
    replicationFactor: config.topics.replicationFactor,
    configEntries: s.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
  });
}

// Right after creation (ours, or another process's that won the race) the broker can answer
// "does not host this topic-partition" or name no leader for a moment; several learners
// starting together hit exactly this. Waited out for at least this long, or the request
// timeout when longer.
const MIN_LEADER_WAIT_MS = 5_000;
const LEADER_WAIT_STEP_MS = 250;

async function checkShapeOnceLeadersExist(config: Config, specs: readonly TopicSpec[], waitMs: number, log: Logger | undefined): Promise<void> {
  const partitions = await waitUntilServed(config, specs.map((s) => s.topic), waitMs);
  specs.forEach((spec, i) => warnOnShape(spec, partitions[i]!, log));
}

/**
 * Waits (at most `waitMs`) until every partition of `topics` has a leader that serves it:
 * named in the metadata and answering ListOffsets (a leader just named may still say "not
 * the leader for that topic-partition"). Returns each topic's partition count. Asked with the
 * engine's own requests (offsets.ts), which log nothing while the broker is not there yet; for
 * whoever creates topics through the kafkajs admin, whose own leader wait gives up on the first
 * "does not host this topic-partition".
 */
export async function waitUntilServed(config: Config, topics: readonly string[], waitMs: number): Promise<number[]> {
  try {
    return await retryWithin(async () => Promise.all(topics.map(async (topic) => (await readWatermarksDirect(config, topic)).length)), {
      waitMs,
      stepMs: LEADER_WAIT_STEP_MS,
      retryable: () => true,
    });
  } catch (err) {
    throw new StreamrecError('KAFKA_UNAVAILABLE', `topics ${topics.join(', ')} are not served by their leaders after ${waitMs} ms: ${errorText(err)}`, { cause: err });
  }
}

function warnOnShape(spec: TopicSpec, partitions: number, log: Logger | undefined): void {
  if (partitions !== spec.numPartitions) {
    log?.warn({ topic: spec.topic, partitions, configured: spec.numPartitions }, 'topic exists with a different partition count; left as is');
  }
}

/**
 * True when one Metadata request shows every topic of `specs` with a leader for each partition
 * (warning about partition counts as checkShape does); false on anything else, including any
 * failure, and the kafkajs path then decides (and reports).
 */
async function allPresentDirect(config: Config, specs: readonly TopicSpec[], log: Logger | undefined): Promise<boolean> {
  // Bounded by the connect timeout: a broker that does not answer costs the kafkajs path little.
  const meta = await fetchClusterMetadata(config, specs.map((s) => s.topic), 'the topics', config.kafka.connectionTimeoutMs).catch(() => undefined);
  const found = specs.map((s) => meta?.topics.get(s.topic));
  const ready = found.every((t) => t !== undefined && t.errorCode === 0 && t.partitions.length > 0 && t.partitions.every((p) => p.errorCode === 0 && p.leader >= 0));
  if (!ready) return false;
  specs.forEach((spec, i) => warnOnShape(spec, found[i]!.partitions.length, log));
  return true;
}

function isAlreadyExists(err: unknown): boolean {
  const e = err as { type?: string; errors?: Array<{ type?: string }> } | undefined;
  if (e?.type === 'TOPIC_ALREADY_EXISTS') return true;
  return Array.isArray(e?.errors) && e.errors.length > 0 && e.errors.every((x) => x.type === 'TOPIC_ALREADY_EXISTS');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { createClickstreamProducer } from '../../src/adapters/kafka/clickstream-producer.ts';
import type { KafkaClient } from '../../src/adapters/kafka/client.ts';
import { decodeEvent } from '../../src/adapters/kafka/codec.ts';
import { createItemEmbeddingsPublisher } from '../../src/adapters/kafka/item-embeddings.ts';
import type { Config } from '../../src/config.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import type { UserStateStore } from '../../src/core/stores.ts';
import { pino } from 'pino';
import { openServingIndex } from '../../src/serving/serving-index.ts';
import { createTrending } from '../../src/core/trending.ts';
import { bindLearnerCore } from '../../src/pipeline/core-binding.ts';
import { createUserState, type UserState } from '../../src/core/user-state.ts';
import type { Logger } from '../../src/log.ts';
import { sleep } from '../../src/lifecycle.ts';

/** Sends events to the clickstream topic through the production producer, then closes it. */
export async function produceEvents(ctx: { kafka: KafkaClient; config: Config; log: Logger }, events: readonly ClickEvent[]): Promise<void> {
  const producer = await createClickstreamProducer(ctx.kafka, ctx.config, ctx.log);
  try {
    await producer.send(events);
  } finally {
    await producer.close();
  }
}

/** The environment a learner child needs to see exactly the test's config. */
export function learnerEnv(config: Config, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    REDIS_URL: config.redis.url,
    TOPIC_CLICKSTREAM: config.topics.clickstream,
    TOPIC_DEAD_LETTER: config.topics.deadLetter,
    TOPIC_RECOMMENDATIONS: config.topics.recommendations,
    TOPIC_ITEM_EMBEDDINGS: config.topics.itemEmbeddings,
    TOPIC_ITEM_NEIGHBOURS: config.topics.itemNeighbours,
    CLICKSTREAM_PARTITIONS: String(config.topics.clickstreamPartitions),
    LEARNER_GROUP_ID: config.learner.groupId,
    REFIT_GROUP_ID: config.refitter.groupId,
    REDIS_KEY_PREFIX: config.redis.keyPrefix,
    EMBEDDING_DIM: String(config.model.dim),
    LEARNER_METRICS_PORT: '0',
    REFIT_METRICS_PORT: '0',
    LEARNER_SESSION_TIMEOUT_MS: String(config.learner.sessionTimeoutMs),
    LEARNER_INDEX_SNAPSHOT_DIR: config.learner.indexSnapshotDir ?? 'off',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export interface LearnerChild {
  readonly child: ChildProcess;
  readonly output: string[];
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

/** `node --import tsx workers/learner.ts` as a child, its JSON logs collected. */
export function spawnLearner(env: NodeJS.ProcessEnv): LearnerChild {
  return spawnTsx(['workers/learner.ts'], env);
}

/** `node --import tsx <args>` as a child (a worker or the CLI), its output lines collected. */
export function spawnTsx(args: readonly string[], env: NodeJS.ProcessEnv): LearnerChild {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const onData = (buf: Buffer) => {
    for (const line of buf.toString('utf8').split('\n')) {
      if (line === '') continue;
      output.push(line);
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    output,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      const seen = output.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`learner never logged ${pattern} within ${timeoutMs} ms; last lines:\n${output.slice(-15).join('\n')}`)), timeoutMs);
        waiters.push({ pattern, resolve: (l) => (clearTimeout(timer), resolve(l)) });
        void exited.then((code) => reject(new Error(`learner exited (${code}) before logging ${pattern}:\n${output.slice(-15).join('\n')}`)));
      });
    },
  };
}

/** Deterministic item vectors (a seeded LCG), published as a trained model. */
export async function publishModel(kafka: Kafka, config: Config, log: Logger, itemCount: number, seed = 7): Promise<Map<string, Float32Array>> {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32) * 2 - 1;
  const vectors = new Map<string, Float32Array>();
  for (let i = 0; i < itemCount; i++) vectors.set(`item-${i}`, Float32Array.from({ length: config.model.dim }, rand));
  const pub = await createItemEmbeddingsPublisher(kafka, config, log);
  await pub.publish([...vectors].map(([itemId, vector]) => ({ itemId, vector, modelVersion: 'test-v1', updatedAtMs: Date.now(), source: 'train' as const })));
  await pub.close();
  return vectors;
}

export interface TopicMessage {
  partition: number;
  message: KafkaMessage;
}

/** Reads `topic` from the beginning until `done` says so (bounded by timeoutMs). */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  done: (all: readonly TopicMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<TopicMessage[]> {
  const consumer = kafka.consumer({ groupId: `t-read-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const all: TopicMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let finished: () => void = () => undefined;
    const finishedP = new Promise<void>((r) => (finished = r));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) all.push({ partition: batch.partition, message });
        if (done(all)) finished();
      },
    });
    const deadline = sleep(timeoutMs).then(() => 'timeout' as const);
    if ((await Promise.race([finishedP, deadline])) === 'timeout') {
      throw new Error(`reading ${topic}: condition not met within ${timeoutMs} ms (${all.length} messages read)`);
    }
    return all;
  } finally {
    await consumer.disconnect();
  }
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * The reference: the same events replayed in memory through the same core binding the
 * learner runs, per user in offset order, item vectors read back through the same kind of index.
 */
export function replayExpected(config: Config, vectors: ReadonlyMap<string, Float32Array>, consumed: readonly TopicMessage[], decode: (m: KafkaMessage) => ClickEvent | undefined): Map<string, UserState> {
  const index = openServingIndex(config.model.dim, undefined, config.topics.itemEmbeddings, pino({ level: 'silent' }));
  for (const [id, v] of vectors) index.upsert(id, v);
  const core = bindLearnerCore(config, index, createTrending(config.model.trendingHalfLifeMs));
  const ordered = [...consumed].sort((a, b) => a.partition - b.partition || Number(a.message.offset) - Number(b.message.offset));
  const states = new Map<string, UserState>();
  for (const { partition, message } of ordered) {
    const event = decode(message);
    if (!event) continue;
    const prev = states.get(event.userId) ?? createUserState(event.userId, config.model.dim);
    states.set(event.userId, core.applyEvent(prev, event, { partition, offset: Number(message.offset) }, 0));
  }
  return states;
}

/** Everything of a state but the wall-clock stamp, vector as plain numbers (exact comparison). */
/** What the learner learned, without what it derives at write time (updatedAtMs, the candidate pool searched in its index then). */
export function comparable(s: UserState | undefined): unknown {
  if (!s) return undefined;
  // The topic's incarnation is the learner's to stamp (the replay has no topic id).
  const learned: Partial<UserState> = { ...s, updatedAtMs: 0, position: s.position && { partition: s.position.partition, offset: s.position.offset } };
  delete learned.pool;
  return { ...learned, vector: Array.from(s.vector) };
}

let eventSeq = 0;
export function makeEvents(users: number, perUser: number, itemCount: number, tsBase = Date.now() - 3_600_000): ClickEvent[] {
  const types = ['view', 'click', 'add_to_cart', 'purchase', 'remove_from_cart', 'dislike'] as const;
  const out: ClickEvent[] = [];
  for (let j = 0; j < perUser; j++) {
    for (let u = 0; u < users; u++) {
      const n = eventSeq++;
      out.push({ eventId: `ev-${n}`, userId: `user-${u}`, itemId: `item-${(u * 7 + j * 13) % itemCount}`, type: types[(u + j) % types.length]!, ts: tsBase + n * 10 });
    }
  }
  return out;
}

/** Decodes a clickstream message the way the learner does (undefined for what it dead-letters). */
export function decodeForReplay(m: KafkaMessage, maxBytes = 65_536): ClickEvent | undefined {
  const r = decodeEvent(m.key, m.value, { maxBytes });
  return r.ok ? r.event : undefined;
}

/** Polls Redis until every expected user's stored position reached the expected one. */
export async function waitForFinalPositions(store: UserStateStore, expected: ReadonlyMap<string, UserState>, timeoutMs = 90_000): Promise<Map<string, UserState>> {
  const ids = [...expected.keys()];
  let got = new Map<string, UserState>();
  await waitUntil(
    `${ids.length} users to reach their final positions`,
    async () => {
      got = await store.getMany(ids);
      return ids.every((id) => {
        const p = got.get(id)?.position;
        const want = expected.get(id)!.position!;
        return p !== undefined && p.partition === want.partition && p.offset >= want.offset;
      });
    },
    timeoutMs,
    300,
  );
  return got;
}

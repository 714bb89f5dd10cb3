import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { createKafka } from '../../src/adapters/kafka/client.ts';
import { deleteTopics, ensureTopics } from '../../src/adapters/kafka/topics.ts';
import { createRedis } from '../../src/adapters/redis/client.ts';
import { resolveStack, stackUp } from '../../src/stack/index.ts';

export interface IntegrationContext {
  /** Effective config: random topic names, group id and key prefix; real broker and Redis. */
  readonly config: Config;
  /** Clients for the test's own use; disconnected in teardown. */
  readonly kafka: Kafka;
  readonly redis: Redis;
  readonly log: Logger;
  /** The topic names of this context (created before returning). */
  readonly topics: readonly string[];
}

/** Environment overrides (the same variable names loadConfig reads), e.g. { CLICKSTREAM_PARTITIONS: '2' }. */
export type IntegrationOverrides = Readonly<Record<string, string>>;

let stackReady: Promise<unknown> | undefined;

/*
 * Teardowns run from one afterAll registered when this module is imported, i.e. while the
 * test file is collected. A hook registered later (inside beforeAll or a test) is silently
 * ignored by vitest, so integrationSetup only queues its teardown here. Test files are
 * isolated (vitest's default), so each file gets its own queue and hook.
 */
const teardowns: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const teardown of teardowns.splice(0).reverse()) await teardown();
});

/**
 * A config for one test file against the real Kafka and Redis: topics prefixed
 * `t-<random>-`, a random consumer group and Redis key prefix, topics created, and an
 * afterAll registered that deletes the topics and the keys and disconnects.
 *
 * Call it at the top level of a test file (`const ctx = await integrationSetup()`), in
 * beforeAll, or in a test; teardown runs after the file's last test. It brings the local stack up if it is not (idempotent and quick when it is),
 * so a single file also runs with plain `npx vitest run test/x.test.ts`.
 */
export async function integrationSetup(overrides: IntegrationOverrides = {}): Promise<IntegrationContext> {
  const id = randomBytes(4).toString('hex');
  const env = {
    ...process.env,
    TOPIC_CLICKSTREAM: `t-${id}-clickstream`,
    TOPIC_DEAD_LETTER: `t-${id}-clickstream.dlq`,
    TOPIC_RECOMMENDATIONS: `t-${id}-recommendations`,
    TOPIC_ITEM_EMBEDDINGS: `t-${id}-item-embeddings`,
    TOPIC_ITEM_NEIGHBOURS: `t-${id}-item-neighbours`,
    LEARNER_GROUP_ID: `t-${id}-learner`,
    REFIT_GROUP_ID: `t-${id}-refitter`,
    REDIS_KEY_PREFIX: `t-${id}`,
    // Tests run side by side: every metrics endpoint on a port of its own.
    REFIT_METRICS_PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ...overrides,
  };
  const base = loadConfig(env);
  const log = createLogger('test', base.logLevel);
  stackReady ??= stackUp(base, log, { ensureTopics: false, quiet: true });
  await stackReady;
  const config = await resolveStack(base);
  const kafka = createKafka(config, log);
  const topics = [config.topics.clickstream, config.topics.deadLetter, config.topics.recommendations, config.topics.itemEmbeddings, config.topics.itemNeighbours];
  // Queued before anything is created, so a failure below still gets cleaned up.
  const held: { redis?: Redis } = {};
  teardowns.push(() => teardown(kafka, held.redis, topics, config.redis.keyPrefix, log));
  const redis = await createRedis(config, log);
  held.redis = redis;
  await ensureTopics(kafka, config, undefined, log);
  return { config, kafka, redis, log, topics };
}

/** Just the Config of integrationSetup (clients are still created and torn down for you). */
export async function integrationConfig(overrides: IntegrationOverrides = {}): Promise<Config> {
  return (await integrationSetup(overrides)).config;
}

async function teardown(kafka: Kafka, redis: Redis | undefined, topics: readonly string[], keyPrefix: string, log: Logger): Promise<void> {
  const problems: unknown[] = [];
  try {
    await deleteTopics(kafka, topics);
  } catch (err) {
    problems.push(err);
  }
  if (redis) {
    try {
      await deleteKeysByPrefix(redis, keyPrefix);
    } catch (err) {
      problems.push(err);
    }
    redis.disconnect();
  }
  for (const err of problems) log.warn({ err }, 'integration teardown step failed');
}

/** SCAN + UNLINK every key starting with `prefix:` (never KEYS: it blocks a shared Redis). */
export async function deleteKeysByPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

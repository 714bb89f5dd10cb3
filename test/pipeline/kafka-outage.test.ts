import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../src/adapters/kafka/client.ts';
import { createClickstreamProducer } from '../../src/adapters/kafka/clickstream-producer.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { sleep } from '../../src/lifecycle.ts';
import { createLogger } from '../../src/log.ts';
import { startLearner } from '../../src/pipeline/compose.ts';
import { feedEvents } from '../../src/pipeline/feed.ts';
import { resolveStack, stackDown, stackStatus, stackUp } from '../../src/stack/index.ts';
import { isolatedStackEnv } from '../stack/stack-helpers.ts';
import { comparable, decodeForReplay, makeEvents, publishModel, readTopic, replayExpected, waitForFinalPositions, waitUntil } from './support.ts';

// A broker of this test's own (own state dir and ports), so it can be killed and restarted
// without touching the broker every other test shares. Redis is the shared one (own key prefix).
const sharedRedisUrl = (await resolveStack(loadConfig(process.env))).redis.url;
const env = await isolatedStackEnv();
const base: NodeJS.ProcessEnv = { ...process.env };
delete base.KAFKA_BROKERS; // the isolated port names the broker
const config: Config = loadConfig({
  ...base,
  ...env,
  REDIS_URL: sharedRedisUrl,
  REDIS_KEY_PREFIX: `test-kafka-outage-${randomBytes(3).toString('hex')}`,
  EMBEDDING_DIM: '8',
  LEARNER_INDEX_SNAPSHOT_DIR: 'off',
  CLICKSTREAM_PARTITIONS: '2',
  LEARNER_METRICS_PORT: '0',
  LEARNER_RETRY_MAX_MS: '1000',
});
// kafkajs logs every refused connection of the outage at error level; the assertions say what matters.
const log = createLogger('test', 'silent');

afterAll(async () => {
  await stackDown(config, log).catch(() => undefined);
  rmSync(config.stateDir, { recursive: true, force: true });
  const redis = new Redis(sharedRedisUrl);
  const keys = await redis.keys(`${config.redis.keyPrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}, 60_000);

describe('Kafka broker killed and restarted mid-stream', () => {
  it('the learner survives the outage and resumes; every state is exact, nothing lost or applied twice', async () => {
    await stackUp(config, log, { ensureTopics: true, quiet: true });
    const kafka = createKafka(config, log);
    const vectors = await publishModel(kafka, config, log, 100);
    const events = makeEvents(60, 40, 100, Date.now() - 3_600_000);
    const half = events.length / 2;
    const runtime = await startLearner(config, log);
    const redis = new Redis(sharedRedisUrl, { maxRetriesPerRequest: 1 });
    let producer = await createClickstreamProducer(kafka, config, log);
    try {
      await feedEvents(events.slice(0, half), (chunk) => producer.send(chunk), { ratePerSec: 4000 });
      const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));
      await waitUntil('some states before the outage', async () => (await store.getMany(['user-0'])).size > 0, 30_000, 50);

      // A crash, not a clean stop: SIGKILL the broker, keep it down past the client's retries.
      const pid = (await stackStatus(config)).kafka.pid;
      expect(pid).toBeGreaterThan(0);
      process.kill(pid!, 'SIGKILL');
      await waitUntil('the broker to be gone', async () => !(await stackStatus(config)).kafka.answers, 15_000, 100);
      await producer.close().catch(() => undefined);
      await sleep(8000);
      expect(runtime.state).not.toBe('stopped');

      await stackUp(config, log, { ensureTopics: true, quiet: true });
      producer = await createClickstreamProducer(kafka, config, log);
      await feedEvents(events.slice(half), (chunk) => producer.send(chunk), { ratePerSec: 4000 });

      const consumed = await readTopic(kafka, config.topics.clickstream, (all) => all.length >= events.length);
      expect(consumed.length).toBe(events.length);
      const expected = replayExpected(config, vectors, consumed, decodeForReplay);
      const got = await waitForFinalPositions(store, expected, 120_000);
      for (const [id, want] of expected) expect(comparable(got.get(id))).toEqual(comparable(want));
      expect(runtime.state).not.toBe('stopped');
      // The outage was felt: the offset commits (at least) failed and were retried.
      const metrics = await (await fetch(`http://${config.http.host}:${runtime.metricsPort}/metrics`)).text();
      const retries = [...metrics.matchAll(/^streamrec_retries_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
      expect(retries).toBeGreaterThan(0);
    } finally {
      await producer.close().catch(() => undefined);
      await runtime.close();
      redis.disconnect();
    }
  }, 240_000);
});

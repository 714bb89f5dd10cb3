import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createClickstreamProducer } from '../../src/adapters/kafka/clickstream-producer.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import type { Config } from '../../src/config.ts';
import { sleep } from '../../src/lifecycle.ts';
import { startLearner } from '../../src/pipeline/compose.ts';
import { feedEvents } from '../../src/pipeline/feed.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { privateRedis } from '../helpers/private-redis.ts';
import { comparable, decodeForReplay, makeEvents, publishModel, readTopic, replayExpected, waitForFinalPositions, waitUntil } from './support.ts';

const ctx = await integrationSetup({ EMBEDDING_DIM: '8', LEARNER_INDEX_SNAPSHOT_DIR: 'off', CLICKSTREAM_PARTITIONS: '2', LEARNER_METRICS_PORT: '0', LEARNER_RETRY_MAX_MS: '1000' });

const privateServer = await privateRedis();

describe('(e) Redis stopped and restarted mid-stream', () => {
  it('the learner pauses, retries and resumes; nothing is lost or applied twice', async () => {
    const { kafka, log } = ctx;
    const config: Config = { ...ctx.config, redis: { ...ctx.config.redis, url: privateServer.url } };
    const vectors = await publishModel(kafka, config, log, 100);
    const events = makeEvents(80, 60, 100, Date.now() - 3_600_000);
    const runtime = await startLearner(config, log);
    const redis = new Redis(privateServer.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    const producer = await createClickstreamProducer(kafka, config, log);
    try {
      const feeding = feedEvents(events, (chunk) => producer.send(chunk), { ratePerSec: 2000 });
      const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));
      await waitUntil('some states before the outage', async () => (await store.getMany(['user-0'])).size > 0, 20_000, 50);
      await privateServer.stop();
      await sleep(3000);
      await privateServer.start();
      await feeding;

      const consumed = await readTopic(kafka, config.topics.clickstream, (all) => all.length >= events.length);
      const expected = replayExpected(config, vectors, consumed, decodeForReplay);
      const got = await waitForFinalPositions(store, expected);
      for (const [id, want] of expected) expect(comparable(got.get(id))).toEqual(comparable(want));

      const metrics = await (await fetch(`http://${config.http.host}:${runtime.metricsPort}/metrics`)).text();
      const retries = [...metrics.matchAll(/^streamrec_retries_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
      expect(retries).toBeGreaterThan(0);
    } finally {
      await producer.close();
      await runtime.close();
      redis.disconnect();
    }
  });
});

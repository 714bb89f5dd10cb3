import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createGroupConsumer } from '../../src/adapters/kafka/group-consumer.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import type { Config } from '../../src/config.ts';
import { sleep } from '../../src/lifecycle.ts';
import { startLearner, type LearnerRuntime } from '../../src/pipeline/compose.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { privateRedis } from '../helpers/private-redis.ts';
import { comparable, decodeForReplay, makeEvents, produceEvents, publishModel, readTopic, replayExpected, waitForFinalPositions, waitUntil } from './support.ts';

const ctx = await integrationSetup({ EMBEDDING_DIM: '8', LEARNER_INDEX_SNAPSHOT_DIR: 'off', CLICKSTREAM_PARTITIONS: '2', LEARNER_METRICS_PORT: '0', LEARNER_RETRY_MAX_MS: '1000' });
const privateServer = await privateRedis();

async function retriesSoFar(config: Config, runtime: LearnerRuntime): Promise<number> {
  const metrics = await (await fetch(`http://${config.http.host}:${runtime.metricsPort}/metrics`)).text();
  return [...metrics.matchAll(/^streamrec_retries_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

describe('a rebalance while the learner retries a batch', () => {
  it('the abandoned batch is fetched again once the partitions come back; every state is exact', async () => {
    const { kafka, log } = ctx;
    const config: Config = { ...ctx.config, redis: { ...ctx.config.redis, url: privateServer.url } };
    const vectors = await publishModel(kafka, config, log, 100);
    const events = makeEvents(40, 20, 100, Date.now() - 3_600_000);
    const runtime = await startLearner(config, log);
    const redis = new Redis(privateServer.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    // A member of the learner's group that holds partitions for a while and commits nothing.
    let joined = false;
    const intruder = createGroupConsumer(kafka, config, log, {
      name: 'intruder',
      groupId: config.learner.groupId,
      topic: config.topics.clickstream,
      fromBeginning: true,
      maxWaitTimeInMs: 50,
      commitsByHand: true,
      eachBatch: () => sleep(100),
      onJoin: () => {
        joined = true;
      },
    });
    try {
      // Redis down before the first event: both partitions' first batches fail and are retried
      // (each step's first fault counts once), with their partitions paused.
      await privateServer.stop();
      await produceEvents(ctx, events);
      await waitUntil('both partitions retrying', async () => (await retriesSoFar(config, runtime)) >= 2, 30_000, 100);

      // The join rebalances the group: the learner gives its batches up to rejoin, and the
      // intruder's join completes only after that. Its leaving hands both partitions back.
      await intruder.start();
      await waitUntil('the intruder in the group', async () => joined, 60_000, 100);
      await intruder.stop(10_000);
      await privateServer.start();

      const consumed = await readTopic(kafka, config.topics.clickstream, (all) => all.length >= events.length);
      expect(consumed.length).toBe(events.length);
      const expected = replayExpected(config, vectors, consumed, decodeForReplay);
      const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));
      const got = await waitForFinalPositions(store, expected, 45_000);
      for (const [id, want] of expected) expect(comparable(got.get(id))).toEqual(comparable(want));
      expect(runtime.state).not.toBe('stopped');
    } finally {
      await intruder.stop().catch(() => undefined);
      await runtime.close();
      redis.disconnect();
    }
  }, 150_000);
});

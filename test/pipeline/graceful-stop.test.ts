import { describe, expect, it } from 'vitest';
import { createClickstreamProducer } from '../../src/adapters/kafka/clickstream-producer.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { learnerEnv, makeEvents, publishModel, spawnLearner, waitUntil } from './support.ts';

const ctx = await integrationSetup({ EMBEDDING_DIM: '8', LEARNER_INDEX_SNAPSHOT_DIR: 'off', CLICKSTREAM_PARTITIONS: '2', SHUTDOWN_GRACE_MS: '8000' });
const USERS = 300;

describe('SIGTERM mid-stream', () => {
  it('finishes the batch in progress, commits its offsets and exits 0 within the grace time', async () => {
    const { config, kafka, redis, log } = ctx;
    await publishModel(kafka, config, log, 100);
    const events = makeEvents(USERS, 60, 100);
    const producer = await createClickstreamProducer(kafka, config, log);
    await producer.send(events, 'msgpack');
    await producer.close();
    const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));
    const users = Array.from({ length: USERS }, (_, u) => `user-${u}`);

    const learner = spawnLearner(learnerEnv(config, { LEARNER_MAX_BATCH_BYTES: '65536' }));
    try {
      await learner.waitFor(/joined learner group/);
      await waitUntil('some events applied', async () => (await store.getMany(users.slice(0, 20))).size > 0, 30_000, 20);
      const stoppedAt = Date.now();
      learner.child.kill('SIGTERM');
      expect(await learner.exited).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(config.learner.shutdownGraceMs);

      // Nothing stored is ahead of the committed offsets: the last batch was finished and committed.
      const admin = kafka.admin();
      await admin.connect();
      const [offsets] = await admin.fetchOffsets({ groupId: config.learner.groupId, topics: [config.topics.clickstream] });
      await admin.disconnect();
      const committed = new Map(offsets!.partitions.map((p) => [p.partition, Number(p.offset)]));
      const states = await store.getMany(users);
      const applied = [...states.values()].reduce((n, s) => n + s.eventCount, 0);
      expect(applied).toBeGreaterThan(0);
      expect(applied).toBeLessThan(events.length);
      const ahead = [...states.values()].filter((s) => s.position!.offset >= (committed.get(s.position!.partition) ?? -1));
      expect(ahead.map((s) => s.userId)).toEqual([]);
      expect(learner.output.some((l) => l.includes('learner stopped'))).toBe(true);
    } finally {
      learner.child.kill('SIGKILL');
    }
  });
});

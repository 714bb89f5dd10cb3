import { describe, expect, it } from 'vitest';
import { createClickstreamProducer } from '../../src/adapters/kafka/clickstream-producer.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { comparable, decodeForReplay, learnerEnv, makeEvents, publishModel, readTopic, replayExpected, spawnLearner, waitForFinalPositions } from './support.ts';

const ctx = await integrationSetup({ EMBEDDING_DIM: '8', LEARNER_INDEX_SNAPSHOT_DIR: 'off', CLICKSTREAM_PARTITIONS: '3', LEARNER_SESSION_TIMEOUT_MS: '6000', DEFAULT_K: '50' });
const USERS = 400;

describe('(b) SIGKILL a learner mid-stream, restart it', () => {
  it('ends with every user exactly as an uninterrupted in-memory replay, also when killed between state and offset commit', async () => {
    const { config, kafka, redis, log } = ctx;
    const vectors = await publishModel(kafka, config, log, 300);
    const events = makeEvents(USERS, 60, 300);
    const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));
    const users = Array.from({ length: USERS }, (_, u) => `user-${u}`);
    const env = learnerEnv(config, { LEARNER_MAX_BATCH_BYTES: '65536' });
    const producer = await createClickstreamProducer(kafka, config, log);
    await producer.send(events, 'msgpack');
    await producer.close();

    // The dangerous moment: a state stored in Redis whose offset is not committed yet.
    // Kill when we catch the learner there; the post-mortem check proves it (neither
    // side can move once the process is dead).
    const admin = kafka.admin();
    await admin.connect();
    const stateAheadOfCommit = async (): Promise<boolean> => {
      const [offsets] = await admin.fetchOffsets({ groupId: config.learner.groupId, topics: [config.topics.clickstream] });
      const committed = new Map(offsets!.partitions.map((p) => [p.partition, Number(p.offset)]));
      const states = await store.getMany(users);
      return [...states.values()].some((s) => s.position !== undefined && s.position.offset >= (committed.get(s.position.partition) ?? -1));
    };
    let killsInWindow = 0;
    let kills = 0;
    try {
      for (let attempt = 0; attempt < 6 && killsInWindow === 0; attempt++) {
        const learner = spawnLearner(env);
        await learner.waitFor(/joined learner group/);
        const deadline = Date.now() + 15_000;
        while (Date.now() < deadline && !(await stateAheadOfCommit())) {
          /* poll as fast as Redis and the broker answer */
        }
        learner.child.kill('SIGKILL');
        expect(await learner.exited).toBe('SIGKILL');
        kills++;
        if (await stateAheadOfCommit()) killsInWindow++;
      }
    } finally {
      await admin.disconnect();
    }
    expect(killsInWindow).toBe(1);
    const partial = await store.getMany(users);
    expect([...partial.values()].reduce((n, s) => n + s.eventCount, 0)).toBeLessThan(events.length);

    const last = spawnLearner(env);
    try {
      const consumed = await readTopic(kafka, config.topics.clickstream, (all) => all.length >= events.length);
      const expected = replayExpected(config, vectors, consumed, decodeForReplay);
      const got = await waitForFinalPositions(store, expected);
      const mismatched = [...expected].filter(([id, want]) => JSON.stringify(comparable(got.get(id))) !== JSON.stringify(comparable(want)));
      expect(mismatched.map(([id]) => id)).toEqual([]);
      expect([...got.values()].reduce((n, s) => n + s.eventCount, 0)).toBe(events.length);
      last.child.kill('SIGTERM');
      expect(await last.exited).toBe(0);
      log.info({ kills, killsInWindow }, 'crash test done');
    } finally {
      last.child.kill('SIGKILL');
    }
  });
});

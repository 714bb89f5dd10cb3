import { describe, expect, it } from 'vitest';
import { createClickstreamProducer } from '../../src/adapters/kafka/clickstream-producer.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import { feedEvents } from '../../src/pipeline/feed.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { comparable, decodeForReplay, learnerEnv, makeEvents, publishModel, readTopic, replayExpected, spawnLearner, waitForFinalPositions, waitUntil } from './support.ts';

const ctx = await integrationSetup({ EMBEDDING_DIM: '8', LEARNER_INDEX_SNAPSHOT_DIR: 'off', CLICKSTREAM_PARTITIONS: '4', LEARNER_SESSION_TIMEOUT_MS: '6000' });

/** Partitions of the newest 'joined learner group' line of a learner's log. */
function assignedPartitions(output: readonly string[]): number[] {
  const joins = output.filter((l) => l.includes('joined learner group'));
  if (joins.length === 0) return [];
  const assignment = (JSON.parse(joins[joins.length - 1]!) as { assignment: Record<string, number[]> }).assignment;
  return Object.values(assignment).flat().sort();
}

describe('(d) two learners in one group, one killed', () => {
  it('the survivor takes over all partitions and the final state is exact', async () => {
    const { config, kafka, redis, log } = ctx;
    const vectors = await publishModel(kafka, config, log, 200);
    const events = makeEvents(300, 40, 200);
    const env = learnerEnv(config);
    const a = spawnLearner(env);
    const b = spawnLearner(env);
    const producer = await createClickstreamProducer(kafka, config, log);
    try {
      await waitUntil('both learners to share the 4 partitions', async () => assignedPartitions(a.output).length + assignedPartitions(b.output).length === 4 && assignedPartitions(a.output).length > 0 && assignedPartitions(b.output).length > 0, 30_000);
      const feeding = feedEvents(events, (chunk) => producer.send(chunk), { ratePerSec: 4000 });
      const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));
      await waitUntil('some states applied', async () => (await store.getMany(['user-0', 'user-1', 'user-2', 'user-3'])).size >= 2, 20_000, 50);
      a.child.kill('SIGKILL');
      await a.exited;
      await waitUntil('the survivor to own every partition', async () => assignedPartitions(b.output).length === 4, 30_000);
      await feeding;

      const consumed = await readTopic(kafka, config.topics.clickstream, (all) => all.length >= events.length);
      const expected = replayExpected(config, vectors, consumed, decodeForReplay);
      const got = await waitForFinalPositions(store, expected);
      const mismatched = [...expected].filter(([id, want]) => JSON.stringify(comparable(got.get(id))) !== JSON.stringify(comparable(want)));
      expect(mismatched.map(([id]) => id)).toEqual([]);
      b.child.kill('SIGTERM');
      expect(await b.exited).toBe(0);
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
      await producer.close();
    }
  });
});

import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClickstreamProducer } from '../../src/adapters/kafka/clickstream-producer.ts';
import { encodeEvent } from '../../src/adapters/kafka/codec.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { decodeRecommendationList } from '../../src/adapters/kafka/recommendations.ts';
import { Redis } from 'ioredis';
import { createRedisCatalogChangeBus, createRedisCatalogStore } from '../../src/adapters/redis/catalog-store.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import { itemHash } from '../../src/core/item-hash.ts';
import { modelTag } from '../../src/core/recommender.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { comparable, decodeForReplay, learnerEnv, publishModel, readTopic, replayExpected, spawnLearner, waitUntil } from './support.ts';

const snapshotDir = mkdtempSync(join(tmpdir(), 'streamrec-learner-index-'));
const ctx = await integrationSetup({ EMBEDDING_DIM: '8', CLICKSTREAM_PARTITIONS: '2', LEARNER_INDEX_SNAPSHOT_DIR: snapshotDir });

describe('walking skeleton: one event through a learner process', () => {
  it('updates the user in Redis and publishes a list without the seen item or unavailable items', async () => {
    const { config, kafka, redis, log } = ctx;
    const vectors = await publishModel(kafka, config, log, 30);
    // Half the catalog is unavailable: lists must come from the other half only.
    const catalog = createRedisCatalogStore(redis, createRedisKeys(config.redis.keyPrefix));
    for (let i = 0; i < 15; i++) await catalog.put({ itemId: `item-${i}`, available: false, updatedAtMs: Date.now() });
    const learner = spawnLearner(learnerEnv(config));
    try {
      await learner.waitFor(/joined learner group/);
      const producer = await createClickstreamProducer(kafka, config, log);
      const event: ClickEvent = { eventId: 'sk-1', userId: 'walker', itemId: 'item-25', type: 'purchase', ts: Date.now() };
      await producer.send([event], 'msgpack');
      await producer.close();

      const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));
      await waitUntil('the user state in Redis', async () => (await store.get('walker')) !== undefined, 30_000);
      const state = (await store.get('walker'))!;
      expect(state.eventCount).toBe(1);
      expect(state.history.map((h) => h.itemId)).toEqual(['item-25']);
      // First event: the user vector is the item's index vector times the purchase weight.
      const expected = replayExpected(config, vectors, [{ partition: state.position!.partition, message: { key: Buffer.from('walker'), value: encodeEvent(event), offset: String(state.position!.offset), timestamp: '0', attributes: 0, headers: {} } }], decodeForReplay);
      expect(comparable(state)).toEqual(comparable(expected.get('walker')));
      const norm = Math.hypot(...state.vector);
      expect(norm).toBeCloseTo(config.model.weights.purchase, 3);
      // Stored with the state: the candidates the learner searched for it, of the current model,
      // none seen or unavailable (what the API ranks instead of searching).
      expect(state.pool!.modelTag).toBe(modelTag('test-v1'));
      expect(state.pool!.hashes).toHaveLength(15 - 1);
      const pooledIds = state.pool!.hashes.map((h) => Array.from({ length: 30 }, (_, i) => `item-${i}`).find((id) => itemHash(id) === h));
      expect(pooledIds.filter((id) => id === undefined || id === 'item-25' || Number(id.slice(5)) < 15)).toEqual([]);

      const lists = await readTopic(kafka, config.topics.recommendations, (all) => all.some((m) => m.message.key?.toString() === 'walker'), 30_000);
      const list = decodeRecommendationList(lists.find((m) => m.message.key?.toString() === 'walker')!.message.value!);
      expect(list).toMatchObject({ userId: 'walker', causedBy: 'sk-1', modelVersion: 'test-v1' });
      expect(list.items).toHaveLength(config.model.k);
      expect(list.items.map((i) => i.itemId)).not.toContain('item-25');
      expect(list.items.filter((i) => Number(i.itemId.slice(5)) < 15)).toEqual([]);
      expect(list.items.every((i) => i.source === 'model')).toBe(true);

      // A promotion written through the catalog (store, then the change bus every process
      // follows) lifts the weakest candidate to the top of the next list the learner publishes.
      const weakest = pooledIds[pooledIds.length - 1]!;
      expect(list.items.map((i) => i.itemId)).not.toContain(weakest);
      const subscriber = new Redis(config.redis.url);
      try {
        const promoted = { itemId: weakest, available: true, updatedAtMs: Date.now(), boost: 1 };
        await catalog.put(promoted);
        await createRedisCatalogChangeBus(redis, subscriber, createRedisKeys(config.redis.keyPrefix), log).publish(promoted);
      } finally {
        subscriber.disconnect();
      }
      const again = await createClickstreamProducer(kafka, config, log);
      await again.send([{ ...event, eventId: 'sk-2', userId: 'promo' }], 'msgpack');
      await again.close();
      const promoLists = await readTopic(kafka, config.topics.recommendations, (all) => all.some((m) => m.message.key?.toString() === 'promo'), 30_000);
      const promoList = decodeRecommendationList(promoLists.find((m) => m.message.key?.toString() === 'promo')!.message.value!);
      expect(promoList.items[0]).toMatchObject({ itemId: weakest, source: 'model', promoted: true });
      expect(promoList.items.slice(1).every((i) => i.promoted === undefined)).toBe(true);
      expect(promoList.items.slice(1).map((i) => i.itemId)).toEqual(list.items.slice(0, config.model.k - 1).map((i) => i.itemId));

      learner.child.kill('SIGTERM');
      expect(await learner.exited).toBe(0);
      // A clean stop saves the learner's trending and leaves the index snapshot the next start loads before the topic replay.
      expect(readdirSync(snapshotDir).some((f) => f.endsWith('.hnsw'))).toBe(true);
      expect(await redis.exists(createRedisKeys(config.redis.keyPrefix).learnerTrending(config.learner.groupId))).toBe(1);
    } finally {
      learner.child.kill('SIGKILL');
    }
  });
});

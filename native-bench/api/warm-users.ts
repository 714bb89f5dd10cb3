import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { createClickstreamProducer } from '../../src/adapters/kafka/clickstream-producer.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import type { Config } from '../../src/config.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import type { UserStateStore } from '../../src/core/stores.ts';
import type { UserState } from '../../src/core/user-state.ts';
import { ITEM_VECTORS_SEED, makeVectors } from '../ann/data.ts';
import { itemId } from '../lib/clickstream.ts';
import { benchLog, configEnv, startWorker, waitFor } from '../lib/engine-env.ts';
import { createRng } from '../lib/stats.ts';

export interface WarmUsers {
  users: number;
  events: number;
  /** Users whose stored state carries a candidate pool of at least k items. */
  pooled: number;
  /** From the first event produced until every user's state was stored. */
  tookS: number;
}

/**
 * Warm users made the way production makes them: each user's recent history (up to 20 views
 * of one neighbourhood, a blob of the published item vectors, so the query is a taste) is
 * produced to the clickstream topic, and a real learner (workers/learner.ts) applies it and
 * stores each state with the candidate pool it searched. Histories drawn from the whole
 * catalog would average to a query near no item, which HNSW serves more slowly than any real
 * user (about 18% at 100k x 64, k 50, ef 64) and no storefront sends. The learner is stopped
 * before the API is measured, so it takes no CPU from it.
 */
export async function learnWarmUsers(kafka: Kafka, redis: Redis, config: Config, items: number, users: number, k: number): Promise<WarmUsers> {
  const started = performance.now();
  const catalog = makeVectors(items, config.model.dim, ITEM_VECTORS_SEED);
  const blobs = new Map<number, number[]>();
  for (let j = 0; j < items; j++) {
    const members = blobs.get(catalog.clusterOf[j]!) ?? [];
    members.push(j);
    blobs.set(catalog.clusterOf[j]!, members);
  }
  const rng = createRng(5);
  const now = Date.now();
  const expected = new Map<string, number>();
  const events: ClickEvent[] = [];
  for (let u = 0; u < users; u++) {
    const neighbourhood = blobs.get(catalog.clusterOf[Math.floor(rng() * items)]!)!;
    const seen = [...new Set(Array.from({ length: 20 }, () => itemId(neighbourhood[Math.floor(rng() * neighbourhood.length)]!)))];
    const userId = `user-${u}`;
    expected.set(userId, seen.length);
    seen.forEach((item, j) => events.push({ eventId: `warm-${u}-${j}`, userId, itemId: item, type: 'view', ts: now - 60_000 + j }));
  }
  const producer = await createClickstreamProducer(kafka, config, benchLog);
  try {
    for (let i = 0; i < events.length; i += 2000) await producer.send(events.slice(i, i + 2000), 'msgpack');
  } finally {
    await producer.close();
  }

  const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));
  const learner = startWorker('workers/learner.ts', configEnv(config, { LEARNER_METRICS_PORT: '0', LEARNER_INDEX_SNAPSHOT_DIR: 'off', CATCH_UP_TIMEOUT_MS: '900000' }));
  let pooled = 0;
  try {
    await waitFor('the learner stores every warm user', 15 * 60_000, async () => {
      const states = await readAll(store, [...expected.keys()]);
      const done = [...expected].every(([id, n]) => (states.get(id)?.eventCount ?? 0) >= n);
      if (done) pooled = [...states.values()].filter((s) => (s.pool?.hashes.length ?? 0) >= k).length;
      return done;
    }, learner);
  } finally {
    await learner.stop();
  }
  return { users, events: events.length, pooled, tookS: (performance.now() - started) / 1000 };
}

async function readAll(store: UserStateStore, ids: string[]): Promise<Map<string, UserState>> {
  const out = new Map<string, UserState>();
  for (let i = 0; i < ids.length; i += 500) for (const [id, s] of await store.getMany(ids.slice(i, i + 500))) out.set(id, s);
  return out;
}

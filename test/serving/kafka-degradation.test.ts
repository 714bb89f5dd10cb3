import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../src/adapters/kafka/client.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import { itemHash } from '../../src/core/item-hash.ts';
import { createUserState } from '../../src/core/user-state.ts';
import { startApi, type RunningApi } from '../../src/serving/api.ts';
import { privateBroker } from '../helpers/private-broker.ts';
import { publishModel, waitUntil } from '../pipeline/support.ts';
import type { RecommendationsBody } from '../../src/adapters/http/schemas.ts';

const broker = await privateBroker('kafka-degradation', {
  API_INDEX_SNAPSHOT_DIR: 'off',
  EMBEDDING_DIM: '8',
  PORT: '0',
  API_KEY: 'k',
  HTTP_PROBE_INTERVAL_MS: '500',
  HTTP_PRODUCE_TIMEOUT_MS: '1000',
});
const { config, log } = broker;
let api: RunningApi | undefined;
afterAll(async () => {
  await api?.close();
});


describe('Kafka broker killed and restarted under a running API', () => {
  it('recommend keeps answering from the model, /readyz and POST /v1/events say Kafka is down, both recover', async () => {
    await broker.up();
    const vectors = await publishModel(createKafka(config, log), config, log, 20);
    api = await startApi(config, log);
    const url = api.address;
    const getJson = async <T>(path: string) => {
      const res = await fetch(`${url}${path}`);
      return { status: res.status, body: (await res.json()) as T };
    };
    const postEvent = (id: string) =>
      fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { 'x-api-key': 'k', 'content-type': 'application/json' },
        body: JSON.stringify({ eventId: id, userId: 'ann', itemId: 'item-3', type: 'view', ts: Date.now() }),
      });
    const redis = new Redis(config.redis.url);
    const user = createUserState('ann', 8);
    user.vector.set(vectors.get('item-1')!);
    user.eventCount = 1;
    user.seen = [itemHash('item-1')];
    // The query is built from recent history (user-query.ts), so the model answers from item-1's neighbourhood.
    user.history = [{ itemId: 'item-1', type: 'view', ts: Date.now() - 1000 }];
    await createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix)).commit([user]);
    redis.disconnect();

    await waitUntil('the API to be ready', async () => (await getJson('/readyz')).status === 200, 30_000);
    const healthy = await getJson<RecommendationsBody>('/v1/users/ann/recommendations?k=3');
    expect(healthy.body).toMatchObject({ cold: false, degraded: false, fallback: false });
    expect(healthy.body.items).toHaveLength(3);
    expect((await postEvent('before')).status).toBe(202);

    await broker.kill();
    await waitUntil('readyz to say Kafka is down', async () => {
      const r = await getJson<{ state: string; checks: { kafka: boolean; redis: boolean } }>('/readyz');
      return r.status === 503 && r.body.state === 'degraded' && !r.body.checks.kafka && r.body.checks.redis;
    }, 20_000);
    // Serving needs no broker: the index is in memory, the user in Redis.
    const started = Date.now();
    const down = await getJson<RecommendationsBody>('/v1/users/ann/recommendations?k=3');
    expect(down.status).toBe(200);
    expect(down.body.items.map((i) => i.itemId)).toEqual(healthy.body.items.map((i) => i.itemId));
    expect(down.body.items.every((i) => i.source === 'model' && i.itemId !== 'item-1')).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    // Writes are refused at once with a retryable 503, never half-accepted.
    const refused = await postEvent('during');
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: 'KAFKA_UNAVAILABLE' });

    await broker.up();
    await waitUntil('the API to recover', async () => (await getJson('/readyz')).status === 200, 60_000);
    await waitUntil('events to be accepted again', async () => (await postEvent('after')).status === 202, 30_000);
  }, 180_000);
});

import { describe, expect, it } from 'vitest';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisModelStore } from '../../src/adapters/redis/model-store.ts';
import { startApi } from '../../src/serving/api.ts';
import { integrationSetup } from '../helpers/integration.ts';

const ctx = await integrationSetup({ API_INDEX_SNAPSHOT_DIR: 'off', EMBEDDING_DIM: '4', PORT: '0' });

describe('API start without a snapshot', () => {
  it('seeds the index from the current model in Redis when the topic has nothing', async () => {
    const { config, redis, log } = ctx;
    const vectors = new Map([
      ['m-a', Float32Array.from([1, 0, 0, 0])],
      ['m-b', Float32Array.from([0.9, 0.1, 0, 0])],
      ['m-c', Float32Array.from([0, 1, 0, 0])],
    ]);
    await createRedisModelStore(redis, createRedisKeys(config.redis.keyPrefix)).save(
      { version: 'seed-v1', dim: 4, itemCount: 3, createdAtMs: Date.now(), trainedOn: { test: 1 } },
      vectors,
    );
    const api = await startApi(config, log);
    try {
      const ready = await (await fetch(`${api.address}/readyz`)).json();
      expect(ready).toMatchObject({ indexSize: 3, modelVersion: 'seed-v1' });
      const similar = (await (await fetch(`${api.address}/v1/items/m-a/similar?k=1`)).json()) as { items: Array<{ itemId: string }> };
      expect(similar.items.map((i) => i.itemId)).toEqual(['m-b']);
    } finally {
      await api.close();
    }
  });
});

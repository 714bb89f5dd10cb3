import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { createRedisCatalogStore } from '../../../src/adapters/redis/catalog-store.ts';
import { createRedisKeys } from '../../../src/adapters/redis/keys.ts';
import { runCatalogStoreSuite } from '../catalog-store.suite.ts';

// Throwaway until test/helpers/integration.ts lands: random prefix, keys deleted after.
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) {
    const found = await redis.keys(`${p}:*`);
    if (found.length > 0) await redis.del(...found);
  }
  redis.disconnect();
});

runCatalogStoreSuite('redis', () => {
  const prefix = `test-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  return createRedisCatalogStore(redis, createRedisKeys(prefix));
});

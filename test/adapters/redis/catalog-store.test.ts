import { randomBytes } from 'node:crypto';
import { createRedisCatalogStore } from '../../../src/adapters/redis/catalog-store.ts';
import { createRedisKeys } from '../../../src/adapters/redis/keys.ts';
import { integrationSetup } from '../../helpers/integration.ts';
import { runCatalogStoreSuite } from '../catalog-store.suite.ts';

const ctx = await integrationSetup();

// Each test gets a fresh sub-prefix under the context's prefix (deleted in teardown).
runCatalogStoreSuite('redis', () =>
  createRedisCatalogStore(ctx.redis, createRedisKeys(`${ctx.config.redis.keyPrefix}:${randomBytes(3).toString('hex')}`)),
);

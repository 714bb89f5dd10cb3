import { randomBytes } from 'node:crypto';
import { createRedisKeys } from '../../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../../src/adapters/redis/user-store.ts';
import { integrationSetup } from '../../helpers/integration.ts';
import { runUserStoreSuite } from '../user-store.suite.ts';

const ctx = await integrationSetup();

// Each test gets a fresh sub-prefix under the context's prefix (deleted in teardown).
runUserStoreSuite('redis', () =>
  createRedisUserStore(ctx.redis, createRedisKeys(`${ctx.config.redis.keyPrefix}:${randomBytes(3).toString('hex')}`)),
);

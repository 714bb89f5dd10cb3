import { randomBytes } from 'node:crypto';
import { it, expect } from 'vitest';
import { createRedisKeys } from '../../../src/adapters/redis/keys.ts';
import { createRedisModelStore } from '../../../src/adapters/redis/model-store.ts';
import { integrationSetup } from '../../helpers/integration.ts';
import { runModelStoreSuite } from '../model-store.suite.ts';

const ctx = await integrationSetup();
const freshKeys = () => createRedisKeys(`${ctx.config.redis.keyPrefix}:${randomBytes(3).toString('hex')}`);

runModelStoreSuite('redis', () => createRedisModelStore(ctx.redis, freshKeys()));

it('deletes the vectors of versions older than the previous one', async () => {
  const keys = freshKeys();
  const store = createRedisModelStore(ctx.redis, keys);
  for (const v of ['v1', 'v2', 'v3']) {
    await store.save({ version: v, dim: 2, itemCount: 1, createdAtMs: 1, trainedOn: {} }, new Map([['a', new Float32Array([1, 0])]]));
  }
  expect(await ctx.redis.exists(keys.modelItems('v1'))).toBe(0);
  expect(await ctx.redis.exists(keys.modelItems('v2'))).toBe(1);
  expect(await ctx.redis.exists(keys.modelItems('v3'))).toBe(1);
});

it('lists a version saved before metadata was kept per version (or with an unreadable record) from its vectors, and drops the metadata of versions it no longer keeps', async () => {
  const keys = freshKeys();
  const store = createRedisModelStore(ctx.redis, keys);
  const vector = new Map([['a', new Float32Array([1, 0, 0])], ['b', new Float32Array([0, 1, 0])]]);
  await store.save({ version: 'v1', dim: 3, itemCount: 2, createdAtMs: 5, trainedOn: { algorithm: 'old' } }, vector);
  await ctx.redis.del(keys.modelMetas());
  await store.save({ version: 'v2', dim: 3, itemCount: 2, createdAtMs: 6, trainedOn: {} }, vector);
  // An unreadable record counts as none.
  await ctx.redis.hset(keys.modelMetas(), 'v1', Buffer.from([0xc1, 0xff, 0x00]));
  expect(await store.versions()).toEqual([
    { version: 'v2', dim: 3, itemCount: 2, createdAtMs: 6, trainedOn: {} },
    { version: 'v1', dim: 3, itemCount: 2, createdAtMs: 0, trainedOn: {} },
  ]);
  await store.save({ version: 'v3', dim: 3, itemCount: 2, createdAtMs: 7, trainedOn: {} }, vector);
  await store.save({ version: 'v4', dim: 3, itemCount: 2, createdAtMs: 8, trainedOn: {} }, vector);
  expect((await ctx.redis.hkeys(keys.modelMetas())).sort()).toEqual(['v3', 'v4']);
});

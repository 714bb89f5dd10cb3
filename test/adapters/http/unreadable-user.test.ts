import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisKeys } from '../../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../../src/adapters/redis/user-store.ts';
import { integrationSetup } from '../../helpers/integration.ts';
import { createFixture } from './fixture.ts';

const ctx = await integrationSetup();
const keys = createRedisKeys(`${ctx.config.redis.keyPrefix}:${randomBytes(3).toString('hex')}`);
const f = await createFixture({}, { users: createRedisUserStore(ctx.redis, keys) });
afterAll(() => f.close());

describe('a user whose record in Redis cannot be decoded', () => {
  it('gets a 409 CORRUPT_RECORD from GET /v1/users/:id and /v1/map, trending recommendations, never a 503 or a 500', async () => {
    await ctx.redis.set(keys.user('mallory'), Buffer.from('\x021:7\n\xc1\xc1', 'latin1'));

    let res = await f.app.inject({ url: '/v1/users/mallory' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'CORRUPT_RECORD' });
    expect(res.json().message).toContain('mallory');

    res = await f.app.inject({ url: '/v1/map?userId=mallory' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('CORRUPT_RECORD');

    res = await f.app.inject({ url: '/v1/users/mallory/recommendations?k=3' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ cold: true, fallback: true, degraded: false });
    expect(res.json().items[0].source).toBe('trending');

    // Everyone else is served from the same store as usual.
    res = await f.app.inject({ url: '/v1/users/alice' });
    expect(res.statusCode).toBe(200);
    expect(res.json().embedding).toEqual([1, 0, 0, 0]);
  });
});

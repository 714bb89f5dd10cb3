import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { msgpack } from '../../../src/adapters/kafka/codec.ts';
import { createRedisKeys } from '../../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../../src/adapters/redis/user-store.ts';
import { createUserState, type UserState } from '../../../src/core/user-state.ts';
import { vectorToBytes } from '../../../src/core/vector.ts';
import { integrationSetup } from '../../helpers/integration.ts';
import { runUserStoreSuite } from '../user-store.suite.ts';

const ctx = await integrationSetup();

// Each test gets a fresh sub-prefix under the context's prefix (deleted in teardown).
runUserStoreSuite('redis', () =>
  createRedisUserStore(ctx.redis, createRedisKeys(`${ctx.config.redis.keyPrefix}:${randomBytes(3).toString('hex')}`)),
);

describe('Redis user record layouts', () => {
  const prefix = () => `${ctx.config.redis.keyPrefix}:${randomBytes(3).toString('hex')}`;
  const userState = (offset: number, seed: number): UserState => {
    const s = createUserState('legacy', 4);
    s.vector.set([seed, 0.5, -0.25, 1e-7]);
    s.lastEventTs = 1_750_000_000_000 + offset;
    s.updatedAtMs = 1_750_000_000_500;
    s.eventCount = 3;
    // Out of order and fractional ts must round-trip exactly (delta encoding falls back to absolute).
    s.history = [{ itemId: 'i1', type: 'view', ts: s.lastEventTs - 86_400_000 }, { itemId: 'i2', type: 'dislike', ts: s.lastEventTs + 0.25 }, { itemId: 'i3', type: 'purchase', ts: s.lastEventTs }];
    s.seen = ['i1', 'i3'];
    s.position = { partition: 1, offset };
    return s;
  };

  it('stores one key per user, position in its header', async () => {
    const keys = createRedisKeys(prefix());
    await createRedisUserStore(ctx.redis, keys).commit([userState(7, 1)]);
    const raw = (await ctx.redis.getBuffer(keys.user('legacy')))!;
    expect(raw.subarray(0, 5).toString('latin1')).toBe('\x021:7\n');
    expect(await ctx.redis.exists(keys.userPosition('legacy'))).toBe(0);
  });

  it('reads a first-layout record, guards with its position key, and replaces both on the next write', async () => {
    const keys = createRedisKeys(prefix());
    const old = userState(10, 2);
    const v1 = msgpack.pack({
      v: 1,
      userId: old.userId,
      vector: vectorToBytes(old.vector),
      lastEventTs: old.lastEventTs,
      updatedAtMs: old.updatedAtMs,
      eventCount: old.eventCount,
      history: old.history.map((h) => [h.itemId, h.type, h.ts]),
      seen: old.seen,
      pos: [1, 10],
    });
    await ctx.redis.set(keys.user('legacy'), v1);
    await ctx.redis.set(keys.userPosition('legacy'), '1:10');
    const store = createRedisUserStore(ctx.redis, keys);
    const back = (await store.get('legacy'))!;
    expect({ ...back, vector: null }).toEqual({ ...old, vector: null });
    expect(await store.commit([userState(10, 3)])).toEqual([]);
    expect(await store.commit([userState(11, 4)])).toEqual(['legacy']);
    expect(await ctx.redis.exists(keys.userPosition('legacy'))).toBe(0);
    const next = (await store.get('legacy'))!;
    expect(next.position).toEqual({ partition: 1, offset: 11 });
    expect(next.history).toEqual(userState(11, 4).history);
    expect(await store.commit([userState(11, 5)])).toEqual([]);
  });
});

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { msgpack } from '../../../src/adapters/msgpack.ts';
import { createRedisKeys } from '../../../src/adapters/redis/keys.ts';
import { createRedisUserStore, POOLED_RECORD_MAX_BYTES } from '../../../src/adapters/redis/user-store.ts';
import { createUserState, type UserState } from '../../../src/core/user-state.ts';
import { DEFAULT_EVENT_WEIGHTS } from '../../../src/core/events.ts';
import { applyEvent } from '../../../src/core/learner.ts';
import { vectorToBytes } from '../../../src/core/vector.ts';
import { integrationSetup } from '../../helpers/integration.ts';
import { runUserStoreSuite } from '../user-store.suite.ts';
import { itemHash } from '../../../src/core/item-hash.ts';
import { StreamrecError } from '../../../src/errors.ts';

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
    s.seen = ['i1', 'i3'].map(itemHash);
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
      seen: ['i1', 'i3'], // ids as strings, as stored before the hashes
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

  it('stores seen as 4-byte item hashes and reads records that hold seen ids as strings', async () => {
    const keys = createRedisKeys(prefix());
    const store = createRedisUserStore(ctx.redis, keys);
    const s = userState(3, 1);
    s.seen = Array.from({ length: 200 }, (_, i) => itemHash(`0b7e9f5c-1d2a-4c3b-9e8f-${String(i).padStart(12, '0')}`));
    await store.commit([s]);
    const withHashes = (await ctx.redis.getBuffer(keys.user('legacy')))!;
    s.seen = [];
    await ctx.redis.del(keys.user('legacy'));
    await store.commit([s]);
    const withoutSeen = (await ctx.redis.getBuffer(keys.user('legacy')))!;
    // 200 UUID-length ids would take ~7.4 KB as strings; as hashes 4 bytes each (a bin16 header of 3 bytes instead of an empty bin8's 2).
    expect(withHashes.length - withoutSeen.length).toBe(800 + 1);

    // A layout-2 record written before the hashes: the same array with seen as strings.
    const [header, body] = [withoutSeen.subarray(0, withoutSeen.indexOf(0x0a) + 1), withoutSeen.subarray(withoutSeen.indexOf(0x0a) + 1)];
    const record = msgpack.unpack(body) as unknown[];
    record[6] = ['i1', 'i3'];
    await ctx.redis.set(keys.user('legacy'), Buffer.concat([header, msgpack.pack(record)]));
    expect((await store.get('legacy'))!.seen).toEqual([itemHash('i1'), itemHash('i3')]);
  });

  it('keeps a pool within the per-user budget: whole for a typical user, cut from the far end at both caps', async () => {
    const keys = createRedisKeys(prefix());
    const store = createRedisUserStore(ctx.redis, keys);
    const pool = { hashes: Array.from({ length: 50 }, (_, i) => itemHash(`cand-${i}`)), scores: Array.from({ length: 50 }, (_, i) => 1 - i / 64), modelTag: itemHash('model-1') };
    const user = (id: string, seen: number) => {
      const s = { ...userState(5, 1), userId: id, vector: new Float32Array(64).fill(0.1), pool };
      s.history = Array.from({ length: 50 }, (_, i) => ({ itemId: `item-${1000 + i}`, type: 'view' as const, ts: s.lastEventTs - 60_000 + i * 1000 }));
      s.seen = Array.from({ length: seen }, (_, i) => itemHash(`item-${1000 + i}`));
      return s;
    };
    const bare = (id: string, seen: number) => {
      const s: UserState = user(id, seen);
      delete s.pool;
      return s;
    };
    // 'capped' and 'nopool' have ids of one length, so their records differ only by the pool.
    await store.commit([user('typical', 52), user('capped', 200), bare('nopool', 200), user('roomy', 150)]);
    const size = async (id: string) => (await ctx.redis.getBuffer(keys.user(id)))!.length;
    expect((await store.get('typical'))!.pool).toEqual(pool);
    expect(await size('typical')).toBeLessThanOrEqual(POOLED_RECORD_MAX_BYTES);
    // Seen 150: room for part of the pool, its best ranks first.
    const roomy = (await store.get('roomy'))!;
    expect(roomy.pool!.hashes.length).toBeGreaterThan(0);
    expect(roomy.pool!.hashes.length).toBeLessThan(50);
    expect(roomy.pool!.hashes).toEqual(pool.hashes.slice(0, roomy.pool!.hashes.length));
    expect(roomy.pool!.scores).toEqual(pool.scores.slice(0, roomy.pool!.hashes.length));
    expect(await size('roomy')).toBeLessThanOrEqual(POOLED_RECORD_MAX_BYTES);
    expect(await size('roomy')).toBeGreaterThan(POOLED_RECORD_MAX_BYTES - 8);
    // Both caps: this record is past the limit without a pool, so it keeps none and grows by nothing.
    const capped = (await store.get('capped'))!;
    expect(capped.pool).toBeUndefined();
    expect(capped.seen).toHaveLength(200);
    expect(await size('capped')).toBe(await size('nopool'));
  });

  it('a learner-made user at both caps and a full eventId window keeps part of a 20-entry pool within 2 KB (seen stored without what the history implies)', async () => {
    const keys = createRedisKeys(prefix());
    const store = createRedisUserStore(ctx.redis, keys);
    const params = { dim: 64, halfLifeMs: 86_400_000, weights: DEFAULT_EVENT_WEIGHTS, historyCap: 50, seenCap: 200, eventIdWindow: 16 };
    let s = createUserState('heavy-user-0001', 64);
    for (let i = 0; i < 400; i++) {
      const event = { eventId: `e${i}`, userId: s.userId, itemId: `item-${(i * 7919) % 100_000}`, type: 'view' as const, ts: 1_750_000_000_000 + i * 15_000 };
      s = applyEvent(s, event, new Float32Array(64).fill(0.125), params, { position: { partition: 2, offset: i }, nowMs: event.ts });
    }
    expect([s.history.length, s.seen.length, s.eventIds.length]).toEqual([50, 200, 16]);
    const pool = { hashes: Array.from({ length: 20 }, (_, i) => itemHash(`cand-${i}`)), scores: Array.from({ length: 20 }, (_, i) => 1 - i / 64), modelTag: itemHash('model-1') };
    // Without compaction this record is ~1,857 bytes before any pool (past the 1,792-byte class).
    await store.commit([{ ...s, pool }]);
    const back = (await store.get(s.userId))!;
    // The best 5 entries: the 16 eventIds (66 bytes) took the room of 8 (13 before them). The
    // API serves a pool only with k entries left, so this user's recommendations search the index.
    expect(back.pool!.hashes.length).toBeGreaterThanOrEqual(4);
    expect(back.eventIds).toEqual(s.eventIds);
    expect(back.pool!.hashes).toEqual(pool.hashes.slice(0, back.pool!.hashes.length));
    expect(back.pool!.scores).toEqual(pool.scores.slice(0, back.pool!.hashes.length));
    expect(back.seen).toEqual(s.seen);
    expect({ ...back, vector: null, pool: null }).toEqual({ ...s, vector: null, pool: null });
    expect((await ctx.redis.getBuffer(keys.user(s.userId)))!.length).toBeLessThanOrEqual(POOLED_RECORD_MAX_BYTES);
    // What the 2 KB per user target measures: the key with its value's allocation.
    expect(Number(await ctx.redis.call('MEMORY', 'USAGE', keys.user(s.userId), 'SAMPLES', '0'))).toBeLessThanOrEqual(2048);
  });
});

describe('unreadable user records', () => {
  const prefix = () => `${ctx.config.redis.keyPrefix}:${randomBytes(3).toString('hex')}`;
  const garbage = [Buffer.from('\x020:3\n\xc1', 'latin1'), Buffer.from('not msgpack \xff', 'latin1'), msgpack.pack({ v: 1, userId: 'x' })];

  it('are a non-retryable CORRUPT_RECORD naming the user, from get and getMany; getMany reports them and returns the rest when asked', async () => {
    const keys = createRedisKeys(prefix());
    const store = createRedisUserStore(ctx.redis, keys);
    await store.commit([Object.assign(createUserState('good', 4), { position: { partition: 0, offset: 1 } })]);
    for (const bytes of garbage) {
      await ctx.redis.set(keys.user('bad'), bytes);
      const err = await store.get('bad').then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(StreamrecError);
      expect(err).toMatchObject({ code: 'CORRUPT_RECORD', retryable: false });
      expect((err as Error).message).toContain('bad');
      await expect(store.getMany(['good', 'bad'])).rejects.toMatchObject({ code: 'CORRUPT_RECORD' });
      const reported: string[] = [];
      const got = await store.getMany(['good', 'bad'], (userId, e) => reported.push(`${userId}:${e.code}`));
      expect([...got.keys()]).toEqual(['good']);
      expect(reported).toEqual(['bad:CORRUPT_RECORD']);
    }
  });

  it('are moved to their quarantine key with the first layout’s position key dropped; the user then starts afresh', async () => {
    const keys = createRedisKeys(prefix());
    const store = createRedisUserStore(ctx.redis, keys);
    await ctx.redis.set(keys.user('bad'), garbage[0]!);
    await ctx.redis.set(keys.userPosition('bad'), '0:900');
    await store.quarantine(['bad', 'never-stored']);
    expect(await ctx.redis.getBuffer(keys.userQuarantine('bad'))).toEqual(garbage[0]);
    expect(await ctx.redis.exists(keys.user('bad'), keys.userPosition('bad'), keys.user('never-stored'), keys.userQuarantine('never-stored'))).toBe(0);
    expect(await store.get('bad')).toBeUndefined();
    const fresh = Object.assign(createUserState('bad', 4), { position: { partition: 0, offset: 5 } });
    expect(await store.commit([fresh])).toEqual(['bad']);
  });
});

import { describe, expect, it } from 'vitest';
import type { UserStateStore } from '../../src/core/stores.ts';
import { createUserState, type UserState } from '../../src/core/user-state.ts';
import { itemHash } from '../../src/core/item-hash.ts';

function state(userId: string, partition: number | undefined, offset: number, seed = 1): UserState {
  const s = createUserState(userId, 4);
  s.vector.set([seed, -seed / 3, 0.125, 1e-7]);
  s.lastEventTs = 1_750_000_000_000 + offset;
  s.updatedAtMs = 1_750_000_000_500;
  s.eventCount = offset + 1;
  s.history = [{ itemId: 'i1', type: 'click', ts: 1_750_000_000_000 }, { itemId: 'i2', type: 'purchase', ts: s.lastEventTs }];
  s.seen = ['i1', 'i2'].map(itemHash);
  s.position = partition === undefined ? undefined : { partition, offset };
  return s;
}

/** One suite for every UserStateStore: the in-memory twin and Redis must behave alike. */
export function runUserStoreSuite(name: string, makeStore: () => Promise<UserStateStore> | UserStateStore): void {
  describe(`UserStateStore (${name})`, () => {
    it('returns nothing for unknown users', async () => {
      const store = await makeStore();
      expect(await store.get('nobody')).toBeUndefined();
      expect((await store.getMany(['a', 'b'])).size).toBe(0);
    });

    it('round-trips every field exactly, vector bit for bit', async () => {
      const store = await makeStore();
      const s = state('u:1', 2, 41, 0.3);
      expect(await store.commit([s])).toEqual(['u:1']);
      const back = await store.get('u:1');
      expect(back).toBeDefined();
      expect(Array.from(back!.vector)).toEqual(Array.from(s.vector));
      expect({ ...back!, vector: null }).toEqual({ ...s, vector: null });
    });

    it('round-trips a candidate pool (hashes and scores in order, model tag), and a state without one has none', async () => {
      const store = await makeStore();
      const s = { ...state('p', 0, 3), pool: { hashes: [itemHash('i9'), 0, 0x3fffffff, itemHash('i4')], scores: [1.5, 0.75, -0.25, 0], modelTag: itemHash('v7') } };
      await store.commit([s, state('q', 0, 4)]);
      expect((await store.get('p'))!.pool).toEqual(s.pool);
      expect((await store.get('q'))!.pool).toBeUndefined();
    });

    it('reads many users at once, missing ones absent', async () => {
      const store = await makeStore();
      await store.commit([state('a', 0, 1), state('b', 1, 5), state('c', 0, 9)]);
      const got = await store.getMany(['a', 'x', 'c']);
      expect([...got.keys()].sort()).toEqual(['a', 'c']);
      expect(got.get('c')!.position).toEqual({ partition: 0, offset: 9 });
    });

    it('writes only positions past the stored one (exactly-once guard)', async () => {
      const store = await makeStore();
      await store.commit([state('u', 3, 100, 1)]);
      const written = await store.commit([state('u', 3, 100, 2), state('v', 3, 7, 1)]);
      expect(written).toEqual(['v']);
      expect((await store.get('u'))!.vector[0]).toBe(1);
      expect(await store.commit([state('u', 3, 99, 3)])).toEqual([]);
      expect(await store.commit([state('u', 3, 101, 4)])).toEqual(['u']);
      expect((await store.get('u'))!.vector[0]).toBe(4);
    });

    it('accepts a position on another partition (the user moved)', async () => {
      const store = await makeStore();
      await store.commit([state('m', 1, 500)]);
      expect(await store.commit([state('m', 4, 3)])).toEqual(['m']);
      expect((await store.get('m'))!.position).toEqual({ partition: 4, offset: 3 });
    });

    it('keeps a later write of a user whose states arrive out of order in one commit', async () => {
      const store = await makeStore();
      expect(await store.commit([state('o', 0, 10, 1), state('o', 0, 5, 2)])).toEqual(['o']);
      expect((await store.get('o'))!.position).toEqual({ partition: 0, offset: 10 });
    });

    it('quarantine moves records aside: the user reads as unknown and starts afresh; users without one are skipped', async () => {
      const store = await makeStore();
      await store.commit([state('q', 1, 50), state('keep', 1, 51)]);
      await store.quarantine(['q', 'never-seen']);
      expect(await store.get('q')).toBeUndefined();
      expect([...(await store.getMany(['q', 'keep', 'never-seen'])).keys()]).toEqual(['keep']);
      expect(await store.commit([state('q', 1, 7)])).toEqual(['q']);
    });
  });
}

import { describe, expect, it } from 'vitest';
import type { CatalogStore } from '../../src/core/stores.ts';

/** One suite for every CatalogStore: the in-memory twin and Redis must behave alike. */
export function runCatalogStoreSuite(name: string, makeStore: () => Promise<CatalogStore> | CatalogStore): void {
  describe(`CatalogStore (${name})`, () => {
    it('returns nothing for unknown items', async () => {
      const store = await makeStore();
      expect(await store.get('none')).toBeUndefined();
      expect((await store.getMany(['a', 'b'])).size).toBe(0);
      expect(await store.all()).toEqual([]);
    });

    it('round-trips items with and without optional fields, and overwrites on put', async () => {
      const store = await makeStore();
      const full = { itemId: 'i:1', title: 'Blue mug — ☕', category: 'kitchen', available: true, updatedAtMs: 1_760_000_000_123, boost: 0.25, boostUntilMs: 1_760_086_400_000 };
      const bare = { itemId: 'i2', available: false, updatedAtMs: 1_760_000_000_456 };
      await store.put(full);
      await store.put(bare);
      expect(await store.get('i:1')).toEqual(full);
      expect(await store.get('i2')).toEqual(bare);
      const many = await store.getMany(['i2', 'missing', 'i:1']);
      expect([...many.keys()].sort()).toEqual(['i2', 'i:1'].sort());
      await store.put({ ...full, available: false, updatedAtMs: full.updatedAtMs + 1 });
      expect((await store.get('i:1'))?.available).toBe(false);
    });

    it('lists every item, past one page', async () => {
      const store = await makeStore();
      for (let i = 0; i < 1500; i++) await store.put({ itemId: `p${i}`, available: i % 2 === 0, updatedAtMs: i });
      const all = await store.all();
      expect(all).toHaveLength(1500);
      expect(new Set(all.map((i) => i.itemId)).size).toBe(1500);
      expect(all.find((i) => i.itemId === 'p7')).toEqual({ itemId: 'p7', available: false, updatedAtMs: 7 });
    });
  });
}

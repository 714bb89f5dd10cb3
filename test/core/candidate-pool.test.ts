import { describe, expect, it } from 'vitest';
import type { AnnIndex } from '../../src/core/ann-index.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { itemHash } from '../../src/core/item-hash.ts';
import { candidatePool, modelTag, recommend, usablePool, type RecommendRequest } from '../../src/core/recommender.ts';
import { createTrending } from '../../src/core/trending.ts';
import { createUserState, type UserState } from '../../src/core/user-state.ts';
import { clusteredVectors } from './ann-index.suite.ts';

const DIM = 8;
const ITEMS = 600;
const TAG = modelTag('v1');
const rerank = { candidates: 50, trendingWeight: 0.1 };

function world() {
  const index = createExactIndex(DIM);
  const vectors = clusteredVectors(ITEMS, DIM, 12, 3);
  vectors.forEach((v, i) => index.upsert(`item-${i}`, v));
  const trending = createTrending(60_000);
  for (let i = 0; i < ITEMS; i += 7) trending.add(`item-${i}`, 1000, 1 + (i % 5));
  return { index, trending };
}

/** A user whose recent history is a few items of one cluster (what the default query reads). */
function userOf(n: number): UserState {
  const items = [n, n + 12, n + 24, n + 36].map((i) => `item-${i % ITEMS}`);
  return {
    ...createUserState(`u${n}`, DIM),
    eventCount: items.length,
    history: items.map((itemId, j) => ({ itemId, type: 'view' as const, ts: 1000 + j })),
    seen: items.map(itemHash),
    updatedAtMs: 50_000,
  };
}

// Not aligned with the clusters (i mod 12), so every pool holds both categories.
const categoryOf = (id: string) => (Math.floor(Number(id.slice(5)) / 12) % 2 === 0 ? 'shoes' : 'hats');

function request(index: AnnIndex, trending: ReturnType<typeof createTrending>, user: UserState, extra: Partial<RecommendRequest> = {}): RecommendRequest {
  return { user, k: 10, index, trending, rerank, isAvailable: () => true, categoryOf, ...extra };
}

/** The index, counting searches. */
function counting(index: AnnIndex): AnnIndex & { searches: number } {
  const wrapped = { ...index, searches: 0 } as AnnIndex & { searches: number };
  Object.defineProperty(wrapped, 'size', { get: () => index.size });
  wrapped.search = (q, k, f) => {
    wrapped.searches++;
    return index.search(q, k, f);
  };
  return wrapped;
}

const SIZE = 20;

describe('candidate pools: serve the stored ranking instead of searching', () => {
  it('a plain request gets exactly what the search gives, without a search', () => {
    const { index, trending } = world();
    const idx = counting(index);
    for (let n = 0; n < 20; n++) {
      const user = userOf(n);
      const pool = candidatePool(request(index, trending, user), TAG, SIZE)!.pool;
      expect(pool.hashes).toHaveLength(SIZE);
      expect(pool.hashes.some((h) => user.seen.includes(h))).toBe(false);
      const searched = recommend(request(index, trending, user));
      const pooled = recommend(request(idx, trending, user, { pool }));
      expect(pooled.items.map((i) => i.itemId)).toEqual(searched.items.map((i) => i.itemId));
      pooled.items.forEach((item, i) => expect(item.score).toBeCloseTo(searched.items[i]!.score, 5));
      expect(pooled.candidates).toBe('pool');
      expect(searched.candidates).toBe('search');
    }
    expect(idx.searches).toBe(0);
  });

  it("a request's exclude, category and availability take items out of the stored ranking, keeping its order", () => {
    const { index, trending } = world();
    const idx = counting(index);
    for (let n = 0; n < 20; n++) {
      const user = userOf(n);
      const pool = candidatePool(request(index, trending, user), TAG, SIZE)!.pool;
      const ranked = pool.hashes.map((h) => index.idsWithHash(h)[0]!);
      const variants: Array<[Partial<RecommendRequest>, (id: string) => boolean]> = [
        [{ exclude: ranked.slice(0, 3) }, (id) => !ranked.slice(0, 3).includes(id)],
        [{ category: 'hats' }, (id) => categoryOf(id) === 'hats'],
        [{ isAvailable: (id) => id !== ranked[1] }, (id) => id !== ranked[1]],
      ];
      for (const [extra, passes] of variants) {
        const expected = ranked.filter(passes);
        const res = recommend(request(idx, trending, user, { ...extra, pool }));
        if (expected.length >= 10) expect(res.items.map((i) => i.itemId)).toEqual(expected.slice(0, 10));
        expect(res.items.every((i) => passes(i.itemId))).toBe(true);
        expect(res.items).toHaveLength(10);
      }
    }
    // Only a category that left fewer than k of a pool needed a search.
    expect(idx.searches).toBeLessThan(20);
  });

  it('searches when fewer than k of the pool pass, and never serves a removed or unavailable item', () => {
    const { index, trending } = world();
    const user = userOf(5);
    const pool = candidatePool(request(index, trending, user), TAG, SIZE)!.pool;
    const ranked = pool.hashes.map((h) => index.idsWithHash(h)[0]!);
    const idx = counting(index);
    // All but 5 of the pool excluded: k 10 cannot come from it.
    const exclude = ranked.slice(5);
    const res = recommend(request(idx, trending, user, { exclude, pool }));
    expect(res.candidates).toBe('search');
    expect(idx.searches).toBeGreaterThan(0);
    expect(res.items.map((i) => i.itemId)).toEqual(recommend(request(index, trending, user, { exclude })).items.map((i) => i.itemId));

    const served = recommend(request(index, trending, user, { pool, isAvailable: (id) => id !== ranked[0] }));
    expect(served.items.map((i) => i.itemId)).not.toContain(ranked[0]);
    index.remove(ranked[1]!);
    const afterRemoval = recommend(request(index, trending, user, { pool }));
    expect(afterRemoval.items.map((i) => i.itemId)).not.toContain(ranked[1]);
    expect(afterRemoval.items).toHaveLength(10);
  });

  it('skips an entry whose hash two indexed ids share (it cannot tell which was ranked), and a k larger than the pool searches', () => {
    const { index, trending } = world();
    const user = userOf(2);
    const pool = candidatePool(request(index, trending, user), TAG, SIZE)!.pool;
    // Two ids with one itemHash, both indexed: a pool entry of that hash is ambiguous.
    index.upsert('sku58frs', index.vectorOf(index.idsWithHash(pool.hashes[0]!)[0]!)!);
    index.upsert('sku4r1h1', index.vectorOf(index.idsWithHash(pool.hashes[1]!)[0]!)!);
    const ambiguous = { ...pool, hashes: [itemHash('sku58frs'), ...pool.hashes], scores: [2, ...pool.scores] };
    const res = recommend(request(index, trending, user, { pool: ambiguous }));
    expect(res.items.map((i) => i.itemId)).not.toContain('sku58frs');
    expect(res.items.map((i) => i.itemId)).not.toContain('sku4r1h1');
    expect(res.items[0]!.score).toBe(pool.scores[0]);

    const long = recommend(request(index, trending, user, { k: 30, pool }));
    expect(long.items).toHaveLength(30);
    expect(long.candidates).toBe('search');
  });

  it('has no pool for a cold user or a query without direction', () => {
    const { index, trending } = world();
    expect(candidatePool(request(index, trending, createUserState('cold', DIM)), TAG, SIZE)).toBeUndefined();
    const nowhere = { ...userOf(1), history: [{ itemId: 'not-indexed', type: 'view' as const, ts: 1 }] };
    expect(candidatePool(request(index, trending, nowhere), TAG, SIZE)).toBeUndefined();
    expect(candidatePool(request(createExactIndex(DIM), trending, userOf(1)), TAG, SIZE)).toBeUndefined();
  });
});

describe('usablePool', () => {
  const user = { ...userOf(1), updatedAtMs: 10_000, pool: { hashes: [1, 2, 3], scores: [0.9, 0.8, 0.7], modelTag: TAG } };

  it('gives the pool of the current model within the age limit', () => {
    expect(usablePool(user, TAG, 10_000 + 60_000, 60_000)).toBe(user.pool);
  });

  it('refuses an older model, an older pool, a zero limit, or no pool', () => {
    expect(usablePool(user, modelTag('v2'), 10_001, 60_000)).toBeUndefined();
    expect(usablePool(user, TAG, 10_000 + 60_001, 60_000)).toBeUndefined();
    expect(usablePool(user, TAG, 10_001, 0)).toBeUndefined();
    expect(usablePool(userOf(1), TAG, 10_001, 60_000)).toBeUndefined();
    expect(usablePool(undefined, TAG, 10_001, 60_000)).toBeUndefined();
  });
});

describe('stored rankings and promotions', () => {
  it('a ranking is stored without boosts and served with them: the same list a search with them gives, and no boost counts twice', () => {
    const { index, trending } = world();
    const user = userOf(5);
    const plain = candidatePool(request(index, trending, user), TAG, 20)!.pool;
    const ids = plain.hashes.map((h) => index.idsWithHash(h)[0]!);
    const promoted = ids[15]!;
    const boostOf = (id: string) => (id === promoted ? 0.8 : 0);
    // The stored ranking does not depend on the boosts of the moment.
    expect(candidatePool(request(index, trending, user, { boostOf }), TAG, 20)!.pool).toEqual(plain);
    const served = recommend(request(index, trending, { ...user, pool: plain }, { boostOf, pool: plain }));
    expect(served.candidates).toBe('pool');
    const searched = recommend(request(index, trending, user, { boostOf }));
    expect(searched.candidates).toBe('search');
    expect(served.items.map((i) => i.itemId)).toContain(promoted);
    expect(served.items.map((i) => i.itemId)).toEqual(searched.items.map((i) => i.itemId));
    expect(recommend(request(index, trending, { ...user, pool: plain }, { pool: plain })).items.map((i) => i.itemId)).toEqual(ids.slice(0, 10));
  });
});

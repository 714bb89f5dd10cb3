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

describe('candidate pools: rank stored candidates instead of searching', () => {
  it('answers exactly like the search, for plain, excluding, category and availability requests, without searching', () => {
    const { index, trending } = world();
    const idx = counting(index);
    const paths: string[] = [];
    for (let n = 0; n < 20; n++) {
      const user = userOf(n);
      const pool = candidatePool(request(index, trending, user), TAG)!;
      expect(pool.hashes).toHaveLength(50);
      expect(pool.hashes.some((h) => user.seen.includes(h))).toBe(false);
      const variants: Array<Partial<RecommendRequest>> = [
        {},
        { exclude: pool.hashes.slice(0, 3).flatMap((h) => index.idsWithHash(h)) },
        { category: 'hats' },
        { isAvailable: (id) => !index.idsWithHash(pool.hashes[0]!).includes(id) },
      ];
      for (const extra of variants) {
        const searched = recommend(request(index, trending, user, extra));
        const pooled = recommend(request(idx, trending, user, { ...extra, pool, onModelPath: (p) => paths.push(p) }));
        expect(pooled.items.map((i) => i.itemId)).toEqual(searched.items.map((i) => i.itemId));
        pooled.items.forEach((item, i) => expect(item.score).toBeCloseTo(searched.items[i]!.score, 5));
      }
    }
    expect(idx.searches).toBe(0);
    expect(new Set(paths)).toEqual(new Set(['pool']));
  });

  it('searches when fewer than k of the pool pass the request, and never serves an unavailable candidate', () => {
    const { index, trending } = world();
    const user = userOf(5);
    const pool = candidatePool(request(index, trending, user), TAG)!;
    const poolIds = pool.hashes.flatMap((h) => index.idsWithHash(h));
    const idx = counting(index);
    const paths: string[] = [];
    // All but 5 of the pool excluded: k 10 cannot come from it.
    const exclude = poolIds.slice(5);
    const res = recommend(request(idx, trending, user, { exclude, pool, onModelPath: (p) => paths.push(p) }));
    expect(paths).toEqual(['search']);
    expect(idx.searches).toBeGreaterThan(0);
    expect(res.items).toHaveLength(10);
    expect(res.items.some((i) => exclude.includes(i.itemId))).toBe(false);
    expect(res.items.map((i) => i.itemId)).toEqual(recommend(request(index, trending, user, { exclude })).items.map((i) => i.itemId));

    // A candidate that became unavailable after the pool was stored is left out.
    const gone = poolIds[0]!;
    const served = recommend(request(index, trending, user, { pool, isAvailable: (id) => id !== gone }));
    expect(served.items.map((i) => i.itemId)).not.toContain(gone);
    // A candidate removed from the index is left out too.
    index.remove(poolIds[1]!);
    expect(recommend(request(index, trending, user, { pool })).items.map((i) => i.itemId)).not.toContain(poolIds[1]);
  });

  it('a k larger than the pool searches', () => {
    const { index, trending } = world();
    const user = userOf(2);
    const pool = candidatePool(request(index, trending, user), TAG)!;
    const paths: string[] = [];
    const res = recommend(request(index, trending, user, { k: 80, pool, onModelPath: (p) => paths.push(p) }));
    expect(paths).toEqual(['search']);
    expect(res.items).toHaveLength(80);
  });

  it('has no pool for a cold user or a query without direction', () => {
    const { index, trending } = world();
    expect(candidatePool(request(index, trending, createUserState('cold', DIM)), TAG)).toBeUndefined();
    const nowhere = { ...userOf(1), history: [{ itemId: 'not-indexed', type: 'view' as const, ts: 1 }] };
    expect(candidatePool(request(index, trending, nowhere), TAG)).toBeUndefined();
    expect(candidatePool(request(createExactIndex(DIM), trending, userOf(1)), TAG)).toBeUndefined();
  });
});

describe('usablePool', () => {
  const user = { ...userOf(1), updatedAtMs: 10_000, pool: { hashes: [1, 2, 3], modelTag: TAG } };

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

import { describe, expect, it } from 'vitest';
import type { AnnIndex } from '../../src/core/ann-index.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { createRandom } from '../../src/core/random.ts';
import { indexVectorOf } from '../../src/core/item-space.ts';
import { createCoVisitation } from '../../src/core/co-visitation.ts';
import { recommend, similarItems } from '../../src/core/recommender.ts';
import { createSessionNeighbours } from '../../src/core/session-neighbours.ts';
import { createTrending } from '../../src/core/trending.ts';
import { createUserState, type UserState } from '../../src/core/user-state.ts';
import { DEFAULT_QUERY_PARAMS } from '../../src/core/user-query.ts';
import { itemHash } from '../../src/core/item-hash.ts';

// Items on a circle: i0 .. i11 at angle 30° · i; category by parity. The third coordinate is
// the reserved one of item-space.ts (queries zero it).
function setup() {
  const index = createExactIndex(3);
  const trending = createTrending(1000);
  for (let i = 0; i < 12; i++) {
    const a = (i * Math.PI) / 6;
    index.upsert(`i${i}`, Float32Array.from([Math.cos(a), Math.sin(a), 0.5]));
    trending.add(`i${i}`, 10_000, 12 - i);
  }
  trending.add('t-only', 10_000, 0.5);
  return { index, trending };
}

function user(vector: [number, number], seen: string[] = []): UserState {
  return { ...createUserState('u', 3), vector: Float32Array.from([...vector, 7]), eventCount: 3, seen: seen.map(itemHash) };
}

const all = () => true;
// These cases rank by the stored (long-term) vector; the default blend is tested on its own below.
const longTerm = { longTermWeight: 1, shortTermWeight: 0, shortTermWindow: 10, shortTermDecay: 0.8 };

describe('recommend', () => {
  it('returns the k nearest items, minus seen, excluded and unavailable ones', () => {
    const { index, trending } = setup();
    const res = recommend({ user: user([1, 0.01], ['i0']), k: 3, exclude: ['i1'], index, trending, query: longTerm, isAvailable: (id) => id !== 'i11' });
    expect(res.items.map((i) => i.itemId)).toEqual(['i2', 'i10', 'i3']);
    expect(res.items.every((i) => i.source === 'model')).toBe(true);
    expect(res).toMatchObject({ underfilled: 0, fallback: false });
  });

  it('filters by category', () => {
    const { index, trending } = setup();
    const categoryOf = (id: string) => (Number(id.slice(1)) % 2 === 0 ? 'even' : 'odd');
    const res = recommend({ user: user([1, 0]), k: 2, category: 'odd', categoryOf, index, trending, query: longTerm, isAvailable: all });
    expect(res.items.map((i) => i.itemId)).toEqual(['i1', 'i11']);
  });

  it('cold users get trending, filtered, marked as fallback', () => {
    const { index, trending } = setup();
    for (const u of [undefined, createUserState('u', 3), user([0, 0])]) {
      const res = recommend({ user: u, k: 3, exclude: ['i0'], index, trending, isAvailable: all });
      expect(res.items.map((i) => i.itemId)).toEqual(['i1', 'i2', 'i3']);
      expect(res.items.every((i) => i.source === 'trending')).toBe(true);
      expect(res.fallback).toBe(true);
    }
  });

  it('falls back to trending when the index fails, and reports the error', () => {
    const { trending } = setup();
    const broken: AnnIndex = {
      ...createExactIndex(3),
      size: 5,
      search: () => {
        throw new Error('index down');
      },
    };
    const errors: unknown[] = [];
    const res = recommend({ user: user([1, 0]), k: 2, index: broken, trending, query: longTerm, isAvailable: all, onError: (e) => errors.push(e) });
    expect(res.fallback).toBe(true);
    expect(res.items.map((i) => i.itemId)).toEqual(['i0', 'i1']);
    expect(errors).toHaveLength(1);
  });

  it('tops up from trending when the model underfills, then reports what is still missing', () => {
    const { index, trending } = setup();
    const seen = Array.from({ length: 10 }, (_, i) => `i${i}`);
    const res = recommend({ user: user([1, 0], seen), k: 5, index, trending, query: longTerm, isAvailable: all });
    expect(res.items).toEqual([
      { itemId: 'i11', score: expect.any(Number), source: 'model' },
      { itemId: 'i10', score: expect.any(Number), source: 'model' },
      { itemId: 't-only', score: 0.5, source: 'trending' },
    ]);
    expect(res.underfilled).toBe(2);
    expect(res.fallback).toBe(false);
  });
});

describe('promotions (the catalog boosts)', () => {
  const rerank = { candidates: 6, trendingWeight: 0 };
  const ask = (boostOf?: (id: string) => number, seen: string[] = []) => {
    const { index, trending } = setup();
    return recommend({ user: user([1, 0.01], seen), k: 5, index, trending, query: longTerm, isAvailable: all, rerank, ...(boostOf ? { boostOf } : {}) }).items.map((i) => i.itemId);
  };

  it('lifts a proposed item by its boost × the candidates\' score spread: 1 above every other, less by as much', () => {
    // The search proposes i0, i1, i11, i2, i10, i3 (cosines ≈ 1, 0.87, 0.86, 0.5, 0.49, 0): i3 is the last.
    expect(ask()).toEqual(['i0', 'i1', 'i11', 'i2', 'i10']);
    expect(ask((id) => (id === 'i3' ? 1 : 0))).toEqual(['i3', 'i0', 'i1', 'i11', 'i2']);
    expect(ask((id) => (id === 'i3' ? 0.6 : 0))).toEqual(['i0', 'i1', 'i11', 'i3', 'i2']);
    expect(ask((id) => (id === 'i3' ? 0.1 : 0))).toEqual(['i0', 'i1', 'i11', 'i2', 'i10']);
  });

  it('marks what a promotion lifted, and nothing else', () => {
    const { index, trending } = setup();
    const items = recommend({ user: user([1, 0.01]), k: 5, index, trending, query: longTerm, isAvailable: all, rerank, boostOf: (id) => (id === 'i3' || id === 'i6' ? 0.6 : 0) }).items;
    expect(items.filter((i) => i.promoted).map((i) => i.itemId)).toEqual(['i3']);
    expect(items.find((i) => i.itemId === 'i0')).toEqual({ itemId: 'i0', score: expect.any(Number), source: 'model' });
  });

  it('never brings in an item the model did not propose, nor one the user has seen', () => {
    expect(ask((id) => (id === 'i6' ? 1 : 0))).toEqual(['i0', 'i1', 'i11', 'i2', 'i10']);
    expect(ask((id) => (id === 'i3' || id === 'i0' ? 1 : 0), ['i0'])).toEqual(['i3', 'i1', 'i11', 'i2', 'i10']);
  });
});

describe('the default query: short-term intent from recent history', () => {
  it('follows the newest history items, weighted by type and recency; the stored vector tilts the list', () => {
    const { index, trending } = setup();
    // History: i0 (0°, a view) then i3 (90°, a purchase, newest); stored vector at 0°.
    const u: UserState = {
      ...user([1, 0]),
      history: [
        { itemId: 'i0', type: 'view', ts: 1 },
        { itemId: 'i3', type: 'purchase', ts: 2 },
      ],
      seen: ['i0', 'i3'].map(itemHash),
    };
    const shortTermOnly = recommend({ user: u, k: 2, index, trending, isAvailable: all, query: { ...DEFAULT_QUERY_PARAMS, longTermWeight: 0 } });
    expect(shortTermOnly.items.map((i) => i.itemId)).toEqual(['i2', 'i4']);
    // The default query adds the stored vector at weight 0.2: the purchase still leads (i2, 60°),
    // and the long-term taste at 0° brings i1 (30°) ahead of i4 (120°).
    const res = recommend({ user: u, k: 2, index, trending, isAvailable: all });
    expect(res.items.map((i) => i.itemId)).toEqual(['i2', 'i1']);
    expect(res.fallback).toBe(false);
  });

  it('re-ranks an over-fetched pool with trending when asked', () => {
    const { index, trending } = setup();
    trending.add('i11', 10_000, 1000);
    const plain = recommend({ user: user([1, 0]), k: 1, index, trending, query: longTerm, isAvailable: all });
    expect(plain.items[0]!.itemId).toBe('i0');
    const boosted = recommend({ user: user([1, 0]), k: 1, index, trending, query: longTerm, isAvailable: all, rerank: { candidates: 5, trendingWeight: 0.5 } });
    expect(boosted.items[0]!.itemId).toBe('i11');
  });
});

describe('similarItems', () => {
  it('returns neighbours of the item, never itself, only available ones', () => {
    const { index, trending } = setup();
    const res = similarItems({ index, trending, isAvailable: (id) => id !== 'i1' }, 'i0', 3);
    expect(res[0]!.itemId).toBe('i11');
    // i2 and i10 are both 60° away: equal scores, either order; the score is the index's, the
    // inner product with the query's direction: cos 60° × i2's factor length (1 / √1.25).
    expect(res.slice(1).map((r) => r.itemId).sort()).toEqual(['i10', 'i2']);
    expect(res[1]!.score).toBeCloseTo(0.5 / Math.sqrt(1.25), 5);
    expect(similarItems({ index, trending, isAvailable: all }, 'unknown', 3)).toEqual([]);
  });

  it('scores the embedding\'s part by the inner product, as a user\'s query: a firmly placed (long) factor counts more', () => {
    const index = createExactIndex(3);
    index.upsert('seed', indexVectorOf(Float32Array.from([0.5, 0, 0])));
    index.upsert('same-direction-short', indexVectorOf(Float32Array.from([0.1, 0.001, 0])));
    index.upsert('off-direction-long', indexVectorOf(Float32Array.from([0.8, 0.5, 0])));
    const items = similarItems({ index, trending: createTrending(1000), isAvailable: all }, 'seed', 2);
    expect(items.map((r) => r.itemId)).toEqual(['off-direction-long', 'same-direction-short']);
    expect(items[0]!.score).toBeCloseTo(0.8, 5);
  });

  it("proposes what shoppers viewed around the item (its rules, the sessions holding it) with the embedding's neighbours, scored together", () => {
    const { index, trending } = setup();
    const neighbours = createCoVisitation();
    const sessions = createSessionNeighbours();
    // Shoppers go from i0 to 'shoe' (no vector), some on to 'sock' (no vector either); one views 'hat' with i0.
    for (let u = 0; u < 5; u++) {
      neighbours.observe('shoe', ['i0']);
      sessions.observe(`s${u}`, 'i0');
      sessions.observe(`s${u}`, 'shoe');
    }
    neighbours.observe('sock', ['i0', 'shoe']);
    sessions.observe('s0', 'sock');
    neighbours.observe('hat', ['i0']);
    const rerank = { candidates: 10, trendingWeight: 0, coVisitationWeight: 10, embeddingWeight: 1, sessionWeight: 30 };
    const req = { index, trending, isAvailable: (id: string) => id !== 'hat', neighbours, sessions, rerank };
    const items = similarItems(req, 'i0', 4);
    expect(items.map((i) => i.itemId).slice(0, 2)).toEqual(['shoe', 'sock']);
    // Then the embedding's nearest (i1 and i11, 30° away), never the item itself or an unavailable one.
    expect(items.map((i) => i.itemId).slice(2).sort()).toEqual(['i1', 'i11']);
    expect(items.every((i) => i.source === 'model')).toBe(true);
    // An item without a vector is answered from its rules and sessions.
    expect(similarItems(req, 'shoe', 3).map((i) => i.itemId)).toContain('i0');
    // Without rules or sessions for it and no vector: nothing, not trending.
    expect(similarItems(req, 'unknown', 3)).toEqual([]);
    // The answer for k is the first k of a longer one.
    const longest = similarItems(req, 'i0', 12).map((i) => i.itemId);
    for (let k = 1; k <= 12; k++) expect(similarItems(req, 'i0', k).map((i) => i.itemId)).toEqual(longest.slice(0, k));
  });

  it('answers for k are the first k of a longer answer (the ranking does not depend on k)', () => {
    // Factors of random direction and length.
    const random = createRandom(13);
    const index = createExactIndex(8);
    for (let i = 0; i < 400; i++) {
      const f = Float32Array.from({ length: 8 }, (_, d) => (d === 7 ? 0 : random() * 2 - 1));
      const length = 0.05 + 0.95 * random();
      const scale = length / Math.hypot(...f);
      index.upsert(`i${i}`, indexVectorOf(f.map((x) => x * scale)));
    }
    const available = (id: string) => id !== 'i7';
    for (const item of ['i0', 'i1', 'i2', 'i3', 'i42', 'i399']) {
      const req = { index, trending: createTrending(1000), isAvailable: available };
      const longest = similarItems(req, item, 50).map((r) => r.itemId);
      expect(longest).toHaveLength(50);
      for (let k = 1; k <= 50; k++) {
        expect(similarItems(req, item, k).map((r) => r.itemId), `${item} k=${k}`).toEqual(longest.slice(0, k));
      }
    }
  });
});

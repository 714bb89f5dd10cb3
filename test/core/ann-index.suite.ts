import { describe, expect, it } from 'vitest';
import type { AnnIndex } from '../../src/core/ann-index.ts';
import { createRandom } from '../../src/core/random.ts';
import { isStreamrecError } from '../../src/errors.ts';
import { itemHash } from '../../src/core/item-hash.ts';

/** Deterministic vectors: the same on every run. */
export const rng = createRandom;


export function randomVector(dim: number, next: () => number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = next() * 2 - 1;
  return v;
}

/** Clustered data: `clusters` random centres, each point a centre plus noise. */
export function clusteredVectors(n: number, dim: number, clusters: number, seed: number): Float32Array[] {
  const next = rng(seed);
  const centres = Array.from({ length: clusters }, () => randomVector(dim, next));
  return Array.from({ length: n }, (_, i) => {
    const c = centres[i % clusters]!;
    const v = randomVector(dim, next);
    for (let d = 0; d < dim; d++) v[d] = c[d]! + 0.35 * v[d]!;
    return v;
  });
}

function v(...xs: number[]): Float32Array {
  return Float32Array.from(xs);
}

/** The AnnIndex contract, run against every implementation. */
export function annIndexSuite(name: string, create: (dim: number) => AnnIndex): void {
  describe(`AnnIndex contract: ${name}`, () => {
    it('finds the nearest items by cosine, best first, with scores in [-1, 1]', () => {
      const index = create(3);
      index.upsert('x', v(1, 0, 0));
      index.upsert('y', v(0, 1, 0));
      index.upsert('xy', v(1, 1, 0));
      index.upsert('far', v(-1, 0, 0));
      const res = index.search(v(2, 0.1, 0), 3);
      expect(res.map((r) => r.itemId)).toEqual(['x', 'xy', 'y']);
      expect(res[0]!.score).toBeCloseTo(0.99875, 3);
      expect(index.size).toBe(4);
    });

    it('is scale-invariant and returns at most the live items', () => {
      const index = create(2);
      index.upsert('a', v(10, 0));
      index.upsert('b', v(0, 0.001));
      expect(index.search(v(1, 0), 10).map((r) => r.itemId)).toEqual(['a', 'b']);
      expect(index.search(v(0, 5), 1)[0]!.itemId).toBe('b');
    });

    it('upsert replaces the vector of a known id without growing', () => {
      const index = create(2);
      index.upsert('a', v(1, 0));
      index.upsert('b', v(0, 1));
      index.upsert('a', v(0, 1));
      expect(index.size).toBe(2);
      const res = index.search(v(0, 1), 2);
      expect(res.map((r) => r.score)).toEqual([expect.closeTo(1, 4), expect.closeTo(1, 4)]);
      expect(Array.from(index.vectorOf('a')!)).toEqual([expect.closeTo(0, 5), expect.closeTo(1, 5)]);
    });

    it('upsertMany leaves what upserting each entry leaves, also when it covers the whole index (a refit)', () => {
      const dim = 8;
      const before = clusteredVectors(1500, dim, 12, 5);
      const after = clusteredVectors(1600, dim, 12, 6);
      const one = create(dim);
      const many = create(dim);
      before.forEach((x, i) => {
        one.upsert(`i${i}`, x);
        many.upsert(`i${i}`, x);
      });
      many.setHidden('i3', true);
      one.setHidden('i3', true);
      one.remove('i7');
      many.remove('i7');
      // A refit: every item moves, a hundred are new (large enough to rebuild an HNSW graph).
      const changes = new Map(after.map((x, i) => [`i${i}`, x] as const));
      for (const [id, x] of changes) one.upsert(id, x);
      many.upsertMany(changes);
      expect(many.size).toBe(one.size);
      expect(new Set(many.ids())).toEqual(new Set(one.ids()));
      for (const id of ['i0', 'i7', 'i1599']) expect(Array.from(many.vectorOf(id)!)).toEqual(Array.from(one.vectorOf(id)!).map((x) => expect.closeTo(x, 5)));
      // Same answers (an approximate index: nearly all the same items), hidden still hidden.
      let same = 0;
      let total = 0;
      const next = rng(9);
      for (let q = 0; q < 30; q++) {
        const query = randomVector(dim, next);
        const a = one.search(query, 10).map((r) => r.itemId);
        const b = many.search(query, 10).map((r) => r.itemId);
        expect(b).not.toContain('i3');
        same += b.filter((id) => a.includes(id)).length;
        total += a.length;
      }
      expect(same / total).toBeGreaterThan(0.95);
      // A small change is an ordinary upsert.
      many.upsertMany(new Map([['i1', v(1, 0, 0, 0, 0, 0, 0, 0)]]));
      expect(many.search(v(1, 0, 0, 0, 0, 0, 0, 0), 1)[0]!.itemId).toBe('i1');
    });

    it('removes items: gone from search, has, ids and size; remove of unknown is false', () => {
      const index = create(2);
      index.upsert('a', v(1, 0));
      index.upsert('b', v(0.9, 0.1));
      index.upsert('c', v(0, 1));
      expect(index.remove('a')).toBe(true);
      expect(index.remove('a')).toBe(false);
      expect(index.remove('nope')).toBe(false);
      expect(index.has('a')).toBe(false);
      expect(index.size).toBe(2);
      expect([...index.ids()].sort()).toEqual(['b', 'c']);
      expect(index.search(v(1, 0), 3).map((r) => r.itemId)).toEqual(['b', 'c']);
      expect(index.vectorOf('a')).toBeUndefined();
    });

    it('re-adds a removed id', () => {
      const index = create(2);
      index.upsert('a', v(1, 0));
      index.remove('a');
      index.upsert('a', v(0, 1));
      expect(index.size).toBe(1);
      expect(index.search(v(0, 1), 1)).toEqual([{ itemId: 'a', score: expect.closeTo(1, 4) }]);
    });

    it('filters inside the search and still returns k when enough items pass', () => {
      const index = create(8);
      const next = rng(7);
      for (let i = 0; i < 300; i++) index.upsert(`i${i}`, randomVector(8, next));
      const even = (id: string) => Number(id.slice(1)) % 2 === 0;
      const res = index.search(randomVector(8, next), 20, even);
      expect(res).toHaveLength(20);
      expect(res.every((r) => even(r.itemId))).toBe(true);
      for (let i = 1; i < res.length; i++) expect(res[i - 1]!.score).toBeGreaterThanOrEqual(res[i]!.score);
    });

    it('a reject set (plus an optional predicate) filters exactly like the same predicate', () => {
      const index = create(8);
      const next = rng(9);
      for (let i = 0; i < 400; i++) index.upsert(`i${i}`, randomVector(8, next));
      index.remove('i3');
      const reject = new Set(['i3', 'unknown-id', ...Array.from({ length: 60 }, (_, j) => `i${j * 5}`)]);
      const odd = (id: string) => Number(id.slice(1)) % 2 === 1;
      for (let q = 0; q < 20; q++) {
        const query = randomVector(8, next);
        const plain = index.search(query, 30, (id) => !reject.has(id));
        expect(plain.some((r) => reject.has(r.itemId))).toBe(false);
        const rejectHashes = new Set([...reject].map(itemHash));
        expect(index.search(query, 30, { rejectHashes })).toEqual(plain);
        expect(index.search(query, 30, { rejectHashes, accept: odd })).toEqual(index.search(query, 30, (id) => !reject.has(id) && odd(id)));
      }
    });

    it('hides items from every search form, keeps their vectors, and shows them again', () => {
      const index = create(2);
      index.upsert('a', v(1, 0));
      index.upsert('b', v(0.9, 0.1));
      index.upsert('c', v(0, 1));
      index.setHidden('a', true);
      const q = v(1, 0);
      expect(index.search(q, 3).map((r) => r.itemId)).toEqual(['b', 'c']);
      expect(index.search(q, 3, { rejectHashes: new Set([itemHash('b')]) }).map((r) => r.itemId)).toEqual(['c']);
      expect(index.search(q, 3, () => true).map((r) => r.itemId)).toEqual(['b', 'c']);
      expect(index.search(q, 3, { rejectHashes: new Set(), accept: () => true }).map((r) => r.itemId)).toEqual(['b', 'c']);
      expect(index.has('a')).toBe(true);
      expect(index.vectorOf('a')).toBeDefined();
      expect(index.size).toBe(3);
      index.setHidden('a', false);
      expect(index.search(q, 3).map((r) => r.itemId)).toEqual(['a', 'b', 'c']);
    });

    it('hidden belongs to the id: set before it is indexed, kept through remove and re-add', () => {
      const index = create(2);
      index.setHidden('late', true);
      index.upsert('late', v(1, 0));
      index.upsert('other', v(0, 1));
      expect(index.search(v(1, 0), 2).map((r) => r.itemId)).toEqual(['other']);
      index.remove('late');
      index.upsert('late', v(1, 0.1));
      expect(index.search(v(1, 0), 2).map((r) => r.itemId)).toEqual(['other']);
      index.setHidden('late', false);
      expect(index.search(v(1, 0), 2).map((r) => r.itemId)).toEqual(['late', 'other']);
      // Hiding what is not there (and showing what was never hidden) is harmless.
      index.setHidden('never-indexed', true);
      index.setHidden('other', false);
      expect(index.search(v(1, 0), 2).map((r) => r.itemId)).toEqual(['late', 'other']);
    });

    it('idsWithHash gives every live id of a hash, collisions included, and forgets removed ids', () => {
      // Two ids that share a 30-bit itemHash (found by search; asserted so the test stays honest).
      const [a, b] = ['sku58frs', 'sku4r1h1'];
      expect(itemHash(a)).toBe(itemHash(b));
      const index = create(2);
      index.upsert(a, v(1, 0));
      index.upsert(b, v(0, 1));
      index.upsert('other', v(1, 1));
      expect(index.idsWithHash(itemHash(a)).sort()).toEqual([a, b].sort());
      expect(index.idsWithHash(itemHash('other'))).toEqual(['other']);
      expect(index.idsWithHash(itemHash('never-added'))).toEqual([]);
      index.remove(a);
      expect(index.idsWithHash(itemHash(b))).toEqual([b]);
      index.upsert(b, v(1, 0.5));
      expect(index.idsWithHash(itemHash(b))).toEqual([b]);
    });

    it('grows past its initial capacity', () => {
      const index = create(4);
      const next = rng(3);
      for (let i = 0; i < 3000; i++) index.upsert(`g${i}`, randomVector(4, next));
      expect(index.size).toBe(3000);
      expect(index.has('g2999')).toBe(true);
      const q = index.vectorOf('g1234')!;
      expect(index.search(q, 1)[0]!.itemId).toBe('g1234');
    });

    it('answers empty for an empty index, k ≤ 0 or a zero query', () => {
      const index = create(2);
      expect(index.search(v(1, 0), 5)).toEqual([]);
      index.upsert('a', v(1, 0));
      expect(index.search(v(1, 0), 0)).toEqual([]);
      expect(index.search(v(0, 0), 3)).toEqual([]);
    });

    it('refuses vectors of the wrong dimension, zero or non-finite vectors with BAD_ARGUMENT', () => {
      const index = create(2);
      for (const bad of [v(1, 0, 0), v(0, 0), v(Number.NaN, 1)]) {
        let caught: unknown;
        try {
          index.upsert('a', bad);
        } catch (err) {
          caught = err;
        }
        expect(isStreamrecError(caught) && caught.code === 'BAD_ARGUMENT').toBe(true);
      }
      expect(index.size).toBe(0);
      expect(() => index.search(v(1, 0, 0), 1)).toThrow(/dimension/);
    });
  });
}

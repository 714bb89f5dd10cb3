import hnswlib from 'hnswlib-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnnIndex } from '../../src/core/ann-index.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { loadHnswIndex, saveHnswIndex } from '../../src/adapters/fs/hnsw-snapshot.ts';
import { autoEfConstruction, autoEfSearch, createHnswIndex, HNSW_MOVE_PATCH, HNSW_NATIVE_MASK, HNSW_TYPED_PATCH, MOVE_BATCH } from '../../src/core/hnsw-index.ts';
import { itemHash } from '../../src/core/item-hash.ts';
import { annIndexSuite, clusteredVectors, randomVector, rng } from './ann-index.suite.ts';

annIndexSuite('hnsw', (dim) => createHnswIndex({ dim, capacity: 16, seed: 1 }));

const dir = mkdtempSync(join(tmpdir(), 'streamrec-hnsw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recallAt10(approx: AnnIndex, exact: AnnIndex, queries: Float32Array[]): number {
  let hits = 0;
  for (const q of queries) {
    const truth = new Set(exact.search(q, 10).map((r) => r.itemId));
    hits += approx.search(q, 10).filter((r) => truth.has(r.itemId)).length;
  }
  return hits / (queries.length * 10);
}

describe('HNSW recall against the exact twin (64-d)', () => {
  const dim = 64;
  // Queries come from the data's distribution (same clusters) but are not in the index.
  const all = clusteredVectors(10_200, dim, 50, 42);
  const data = all.slice(0, 10_000);
  const queries = all.slice(10_000);
  const next = rng(99);
  const hnsw = createHnswIndex({ dim, capacity: 1000, M: 16, efConstruction: 200, efSearch: 64, seed: 5 });
  const exact = createExactIndex(dim);
  data.forEach((vec, i) => {
    hnsw.upsert(`c${i}`, vec);
    exact.upsert(`c${i}`, vec);
  });

  it('recall@10 ≥ 0.95 on 10k clustered vectors', () => {
    expect(recallAt10(hnsw, exact, queries)).toBeGreaterThanOrEqual(0.95);
  });

  it('recall@10 ≥ 0.95 after updates and removals', () => {
    for (let i = 0; i < 1000; i++) {
      hnsw.remove(`c${i}`);
      exact.remove(`c${i}`);
    }
    for (let i = 1000; i < 2000; i++) {
      const moved = randomVector(dim, next);
      hnsw.upsert(`c${i}`, moved);
      exact.upsert(`c${i}`, moved);
    }
    for (let i = 0; i < 500; i++) {
      const fresh = randomVector(dim, next);
      hnsw.upsert(`n${i}`, fresh);
      exact.upsert(`n${i}`, fresh);
    }
    expect(hnsw.size).toBe(exact.size);
    expect(recallAt10(hnsw, exact, queries)).toBeGreaterThanOrEqual(0.95);
    // New ids took over deleted slots instead of growing the graph.
    expect(hnsw.capacity).toBeLessThanOrEqual(16_384);
  });

  it('recall@10 ≥ 0.95 after snapshot save and load, and the loaded index keeps learning', () => {
    const path = join(dir, 'snap.hnsw');
    saveHnswIndex(hnsw, path);
    const loaded = loadHnswIndex(path);
    expect(loaded.size).toBe(hnsw.size);
    expect(loaded.has('c0')).toBe(false);
    expect(loaded.has('n499')).toBe(true);
    expect(recallAt10(loaded, exact, queries)).toBeGreaterThanOrEqual(0.95);
    const extra = randomVector(dim, next);
    loaded.upsert('after-load', extra);
    expect(loaded.search(extra, 1)[0]!.itemId).toBe('after-load');
    loaded.remove('n0');
    expect(loaded.has('n0')).toBe(false);
  });
});

describe('HNSW refit: data moved at once, the graph rebuilt in slices (rebuild: deferred)', () => {
  const dim = 32;
  const all = clusteredVectors(4_100, dim, 40, 7);
  const moved = clusteredVectors(3_000, dim, 40, 8);
  const queries = all.slice(4_000);

  it('is compiled in: npm ci applied patches/hnswlib-node+3.0.0.patch and rebuilt the addon', () => {
    expect(HNSW_MOVE_PATCH).toBe(true);
    expect(HNSW_TYPED_PATCH).toBe(true);
  });

  it('points cross into the addon and back as Float32Arrays with the values an array carries', () => {
    const native = new hnswlib.HierarchicalNSW('ip', 3);
    native.initIndex({ maxElements: 4 });
    native.addPoint(Float32Array.of(0.25, -1.5, 3), 0);
    native.addPoint([0.25, -1.5, 3], 1);
    const out = new Float32Array(3);
    expect(native.getPoint(0, out)).toBe(out);
    expect([...out]).toEqual(native.getPoint(1));
    expect(() => native.getPoint(0, new Float32Array(2))).toThrow(/shorter than the point/);
    expect(() => native.addPoint(new Float32Array(2), 2)).toThrow(/expected 3, but got 2/);
    // Through the index: what goes in comes back, as a Float32Array of its own.
    const hnsw = createHnswIndex({ dim: 3, seed: 1 });
    const v = Float32Array.of(0.6, 0.8, 0);
    hnsw.upsert('typed', v);
    const back = hnsw.vectorOf('typed')!;
    expect(back).toBeInstanceOf(Float32Array);
    expect([...back]).toEqual([...v]);
    back[0] = 9;
    expect(hnsw.vectorOf('typed')![0]).toBeCloseTo(0.6, 6);
  });

  it('answers with the moved vectors at once, then a sliced rebuild swaps in a graph holding every change made while it ran', () => {
    const hnsw = createHnswIndex({ dim, capacity: 64, efSearch: 64, seed: 3, rebuild: 'deferred' });
    const exact = createExactIndex(dim);
    const put = (id: string, x: Float32Array) => {
      hnsw.upsert(id, x);
      exact.upsert(id, x);
    };
    all.slice(0, 4_000).forEach((x, i) => put(`i${i}`, x));
    expect(hnsw.stale).toBe(0);
    expect(hnsw.rebuildStep(0)).toBe(true); // nothing stale: nothing to build

    // A refit moves 3,000 of the 4,000 points (plus 10 new ones) in one batch.
    const refit = new Map<string, Float32Array>(moved.map((x, i) => [`i${i}`, x] as const));
    for (let i = 0; i < 10; i++) refit.set(`new${i}`, randomVector(dim, rng(100 + i)));
    hnsw.upsertMany(refit);
    for (const [id, x] of refit) exact.upsert(id, x);
    expect(hnsw.stale).toBe(3_000);
    expect(hnsw.rebuilding).toBe(false);
    // Moved data is what a search scores with, before any rebuild.
    const top = hnsw.search(moved[5]!, 1)[0]!;
    expect(top.itemId).toBe('i5');
    expect(top.score).toBeCloseTo(1, 5);

    // The first slice starts the build; changes keep coming while it runs.
    expect(hnsw.rebuildStep(0)).toBe(false);
    expect(hnsw.rebuilding).toBe(true);
    let steps = 1;
    const during = () => {
      put('late-new', randomVector(dim, rng(7)));
      put('i1', moved[1]!.map((x) => -x)); // a single move of a point built already
      hnsw.remove('i5'); // built already
      exact.remove('i5');
      hnsw.remove('i3998'); // not built yet
      exact.remove('i3998');
      hnsw.setHidden('i10', true);
      exact.setHidden('i10', true);
    };
    while (!hnsw.rebuildStep(0)) {
      if (steps++ === 2_000) during();
      expect(hnsw.search(queries[steps % 100]!, 10)).toHaveLength(10); // serving all along
    }
    expect(steps).toBeGreaterThan(2_000);
    expect(hnsw.rebuilding).toBe(false);
    // The single move made during the build was relinked in the new graph too: nothing left stale.
    expect(hnsw.stale).toBe(0);

    expect(hnsw.size).toBe(exact.size);
    expect(new Set(hnsw.ids())).toEqual(new Set(exact.ids()));
    expect(hnsw.search(moved[1]!.map((x) => -x), 1)[0]!.itemId).toBe('i1');
    // Removed while the build ran: not answered, and it takes no place among the k.
    const nearFive = hnsw.search(moved[5]!, 10).map((r) => r.itemId);
    expect(nearFive).toHaveLength(10);
    expect(nearFive).not.toContain('i5');
    expect(hnsw.search(exact.vectorOf('late-new')!, 1)[0]!.itemId).toBe('late-new');
    expect(hnsw.search(all[3998]!, 50).map((r) => r.itemId)).not.toContain('i3998');
    expect(hnsw.search(exact.vectorOf('i10')!, 50).map((r) => r.itemId)).not.toContain('i10');
    expect(recallAt10(hnsw, exact, queries)).toBeGreaterThanOrEqual(0.95);
  });

  it("rebuilds at once under 'now' (the one-process model), and relinks point by point below a refit's size", () => {
    const hnsw = createHnswIndex({ dim, capacity: 64, seed: 3 });
    all.slice(0, 1_000).forEach((x, i) => hnsw.upsert(`i${i}`, x));
    hnsw.upsertMany(new Map(moved.slice(0, MOVE_BATCH).map((x, i) => [`i${i}`, x] as const)));
    expect(hnsw.stale).toBe(0);
    expect(hnsw.rebuilding).toBe(false);
    const deferred = createHnswIndex({ dim, capacity: 64, seed: 3, rebuild: 'deferred' });
    all.slice(0, 1_000).forEach((x, i) => deferred.upsert(`i${i}`, x));
    deferred.upsertMany(new Map(moved.slice(0, MOVE_BATCH - 1).map((x, i) => [`i${i}`, x] as const)));
    expect(deferred.stale).toBe(0);
    expect(deferred.search(moved[0]!, 1)[0]!.itemId).toBe('i0');
  });
});

describe('HNSW native mask filter (patched hnswlib-node)', () => {
  const dim = 32;
  const all = clusteredVectors(3_100, dim, 20, 7);
  const queries = all.slice(3_000);
  const build = () => {
    const index = createHnswIndex({ dim, capacity: 64, efSearch: 40, seed: 3 });
    all.slice(0, 3_000).forEach((vec, i) => index.upsert(`m${i}`, vec));
    return index;
  };
  // The same rejection as a predicate: hnswlib then calls into JS per candidate instead.
  const asPredicate = (rejects: ReadonlySet<number>) => (id: string) => !rejects.has(itemHash(id));

  it('is compiled in: npm ci applied patches/hnswlib-node+3.0.0.patch and rebuilt the addon', () => {
    expect(HNSW_NATIVE_MASK).toBe(true);
  });

  it('returns exactly what the JS predicate returns, in the same order, for the same rejects and hidden items', () => {
    const index = build();
    const next = rng(11);
    const hidden = new Set(Array.from({ length: 3_000 / 7 }, (_, i) => `m${i * 7}`));
    for (const id of hidden) index.setHidden(id, true);
    for (const q of queries) {
      // Reject some of the query's own top hits and some random ids, so rejects bite.
      const top = index.search(q, 20).map((n) => n.itemId);
      const rejects = new Set([...top.filter((_, i) => i % 3 === 0), ...Array.from({ length: 10 }, () => `m${Math.floor(next() * 3000)}`)].map(itemHash));
      const masked = index.search(q, 15, { rejectHashes: rejects });
      expect(masked).toEqual(index.search(q, 15, asPredicate(rejects)));
      expect(masked.some((n) => rejects.has(itemHash(n.itemId)) || hidden.has(n.itemId))).toBe(false);
    }
  });

  it('leaves nothing marked: a search after a filtered one sees every item again', () => {
    const index = build();
    const q = queries[0]!;
    const before = index.search(q, 10);
    index.search(q, 10, { rejectHashes: new Set(before.map((n) => itemHash(n.itemId))) });
    expect(index.search(q, 10)).toEqual(before);
  });

  it('rejects labels handed out after churn, past the mask size it started with', () => {
    const index = build();
    // Removing and adding hands out ever higher labels (never reused), beyond the capacity.
    for (let i = 0; i < 3_000; i++) index.remove(`m${i}`);
    all.slice(0, 3_000).forEach((vec, i) => index.upsert(`r${i}`, vec));
    for (const q of queries.slice(0, 20)) {
      const top = index.search(q, 5).map((n) => n.itemId);
      const rejects = new Set(top.map(itemHash));
      const masked = index.search(q, 5, { rejectHashes: rejects });
      expect(masked.map((n) => n.itemId).filter((id) => top.includes(id))).toEqual([]);
      expect(masked).toEqual(index.search(q, 5, asPredicate(rejects)));
    }
  });

  it('rejects every holder of a shared hash, and forgets a removed holder', () => {
    // item-97289 and item-459564 share a 30-bit FNV-1a hash.
    expect(itemHash('item-97289')).toBe(itemHash('item-459564'));
    const index = createHnswIndex({ dim: 2, capacity: 16 });
    index.upsert('item-97289', Float32Array.of(1, 0));
    index.upsert('item-459564', Float32Array.of(1, 0.1));
    index.upsert('other', Float32Array.of(1, 0.2));
    const rejects = new Set([itemHash('item-97289')]);
    expect(index.search(Float32Array.of(1, 0), 3, { rejectHashes: rejects }).map((n) => n.itemId)).toEqual(['other']);
    index.remove('item-97289');
    expect(index.search(Float32Array.of(1, 0), 3, { rejectHashes: rejects }).map((n) => n.itemId)).toEqual(['other']);
    index.upsert('item-97289', Float32Array.of(1, 0));
    expect(index.search(Float32Array.of(1, 0), 3, { rejectHashes: new Set() }).map((n) => n.itemId)).toEqual(['item-97289', 'item-459564', 'other']);
  });
});

describe('HNSW beam width', () => {
  it("'auto' keeps 64 up to 250k items and grows with the square root above (128 at 1M), capped at 512", () => {
    expect([1, 100_000, 250_000, 1_000_000, 4_000_000, 100_000_000].map(autoEfSearch)).toEqual([64, 64, 64, 128, 256, 512]);
    expect(autoEfSearch(500_000)).toBe(91);
  });

  it("is 'auto' by default, follows the size, and a fixed width stays fixed (also through a snapshot)", () => {
    const auto = createHnswIndex({ dim: 4 });
    expect(auto.efSearch).toBe('auto');
    expect(auto.efNow).toBe(64);
    const fixed = createHnswIndex({ dim: 4, efSearch: 300 });
    fixed.upsert('a', Float32Array.of(1, 0, 0, 0));
    expect(fixed.efNow).toBe(300);
    const dir = mkdtempSync(join(tmpdir(), 'streamrec-ef-'));
    try {
      auto.upsert('a', Float32Array.of(1, 0, 0, 0));
      saveHnswIndex(auto, join(dir, 'auto.hnsw'));
      saveHnswIndex(fixed, join(dir, 'fixed.hnsw'));
      expect(loadHnswIndex(join(dir, 'auto.hnsw')).efSearch).toBe('auto');
      expect(loadHnswIndex(join(dir, 'fixed.hnsw')).efNow).toBe(300);
      expect(loadHnswIndex(join(dir, 'fixed.hnsw'), { efSearch: 'auto' }).efSearch).toBe('auto');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HNSW build width', () => {
  const refit = (n: number, seed: number) => {
    const r = rng(seed);
    return new Map(Array.from({ length: n }, (_, i) => [`i${i}`, randomVector(8, r)] as const));
  };

  it("'auto' rebuilds below 100,000 items at 100, from there at 200", () => {
    expect([1, 99_999, 100_000, 1_000_000].map(autoEfConstruction)).toEqual([100, 100, 200, 200]);
  });

  it("'auto' grows from empty at 200 and rebuilds by size; a fixed width builds every graph; both survive a snapshot", () => {
    const auto = createHnswIndex({ dim: 8 });
    expect(auto.efConstructionNow).toBe(200);
    const points = refit(MOVE_BATCH + 10, 1);
    auto.upsertMany(points);
    expect(auto.efConstructionNow).toBe(200); // new points are inserted into the graph grown from empty
    auto.upsertMany(refit(MOVE_BATCH + 10, 2)); // a refit: every point moves, the graph is rebuilt
    expect(auto.efConstructionNow).toBe(100);
    const fixed = createHnswIndex({ dim: 8, efConstruction: 150 });
    fixed.upsertMany(points);
    fixed.upsertMany(refit(MOVE_BATCH + 10, 2));
    expect(fixed.efConstructionNow).toBe(150);
    const dir = mkdtempSync(join(tmpdir(), 'streamrec-efc-'));
    try {
      saveHnswIndex(auto, join(dir, 'auto.hnsw'));
      saveHnswIndex(fixed, join(dir, 'fixed.hnsw'));
      // An older reader sees the graph's width and rebuilds at it; this one sees 'auto' and keeps choosing by size.
      expect(auto.idMap()).toMatchObject({ efConstruction: 100, rebuildEfConstruction: 'auto' });
      expect(fixed.idMap().rebuildEfConstruction).toBeUndefined();
      const autoLoaded = loadHnswIndex(join(dir, 'auto.hnsw'));
      expect(autoLoaded.efConstructionNow).toBe(100);
      autoLoaded.upsertMany(refit(MOVE_BATCH + 10, 3));
      expect(autoLoaded.efConstructionNow).toBe(100);
      const fixedLoaded = loadHnswIndex(join(dir, 'fixed.hnsw'));
      fixedLoaded.upsertMany(refit(MOVE_BATCH + 10, 3));
      expect(fixedLoaded.efConstructionNow).toBe(150);
      // An id map written before 'auto' (no flag) rebuilds at the width it names.
      const old = { ...auto.idMap(), efConstruction: 200, rebuildEfConstruction: undefined };
      writeFileSync(join(dir, 'auto.hnsw.ids.json'), JSON.stringify(old));
      const oldLoaded = loadHnswIndex(join(dir, 'auto.hnsw'));
      oldLoaded.upsertMany(refit(MOVE_BATCH + 10, 4));
      expect(oldLoaded.efConstructionNow).toBe(200);
      // unless the process reading it sets its own (serving processes set 'auto').
      const overridden = loadHnswIndex(join(dir, 'auto.hnsw'), { efConstruction: 'auto' });
      overridden.upsertMany(refit(MOVE_BATCH + 10, 5));
      expect(overridden.efConstructionNow).toBe(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HNSW snapshot errors', () => {
  it('names the missing snapshot with MODEL_MISSING', () => {
    expect(() => loadHnswIndex(join(dir, 'absent.hnsw'))).toThrow(/no HNSW snapshot/);
  });

  it('rejects a foreign id map', () => {
    const path = join(dir, 'foreign.hnsw');
    saveHnswIndex(createHnswIndex({ dim: 2 }), path);
    writeFileSync(`${path}.ids.json`, JSON.stringify({ hello: 1 }));
    expect(() => loadHnswIndex(path)).toThrow(/not a streamrec HNSW id map/);
  });
});

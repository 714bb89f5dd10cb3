import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnnIndex } from '../../src/core/ann-index.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { createHnswIndex, loadHnswIndex } from '../../src/core/hnsw-index.ts';
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
    hnsw.save(path);
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

describe('HNSW snapshot errors', () => {
  it('names the missing snapshot with MODEL_MISSING', () => {
    expect(() => loadHnswIndex(join(dir, 'absent.hnsw'))).toThrow(/no HNSW snapshot/);
  });

  it('rejects a foreign id map', () => {
    const path = join(dir, 'foreign.hnsw');
    createHnswIndex({ dim: 2 }).save(path);
    writeFileSync(`${path}.ids.json`, JSON.stringify({ hello: 1 }));
    expect(() => loadHnswIndex(path)).toThrow(/not a streamrec HNSW id map/);
  });
});

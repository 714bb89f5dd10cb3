import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import type * as UsearchModule from 'usearch';
import type { AnnIndex } from '../../src/core/ann-index.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { loadHnswIndex, saveHnswIndex } from '../../src/adapters/fs/hnsw-snapshot.ts';
import { createHnswIndex, type HnswIndex } from '../../src/core/hnsw-index.ts';
import { row, type VectorSet } from './data.ts';

export const CONTENDERS = ['exact', 'hnsw', 'hnswlib', 'usearch'] as const;
export type ContenderName = (typeof CONTENDERS)[number];

export interface ContenderParams {
  dim: number;
  count: number;
  M: number;
  efConstruction: number;
}

/** One index under test; `search` returns item numbers (row indexes of the item set). */
export interface Contender {
  label: string;
  build(items: VectorSet): void;
  setEf?: (ef: number) => void;
  search(query: Float32Array, k: number): number[];
  close?: () => void;
}

export function createContender(name: ContenderName, p: ContenderParams): Contender {
  switch (name) {
    case 'exact':
      return engineExact(p);
    case 'hnsw':
      return engineHnsw(p);
    case 'hnswlib':
      return directHnswlib(p);
    case 'usearch':
      return directUsearch(p);
  }
}

/** The engine's AnnIndex (string ids), exactly as serving uses it. */
function fromAnnIndex(label: string, index: AnnIndex): Contender {
  return {
    label,
    build(items) {
      for (let i = 0; i < items.count; i++) index.upsert(String(i), row(items, i));
    },
    search(query, k) {
      return index.search(query, k).map((n) => Number(n.itemId));
    },
  };
}

function engineExact(p: ContenderParams): Contender {
  return fromAnnIndex('exact (src/core/exact-index.ts)', createExactIndex(p.dim, p.count));
}

/**
 * The engine's HNSW has no ef setter: serving sets efSearch when it loads a snapshot, so
 * the sweep does the same (save once after the timed build, reload per ef).
 */
function engineHnsw(p: ContenderParams): Contender {
  let index: HnswIndex = createHnswIndex({ dim: p.dim, capacity: p.count, M: p.M, efConstruction: p.efConstruction, seed: 42 });
  const dir = mkdtempSync(join(tmpdir(), 'streamrec-bench-hnsw-'));
  const snapshot = join(dir, 'index.hnsw');
  let saved = false;
  return {
    label: 'hnsw (src/core/hnsw-index.ts)',
    build(items) {
      for (let i = 0; i < items.count; i++) index.upsert(String(i), row(items, i));
    },
    setEf(ef) {
      if (!saved) {
        saveHnswIndex(index, snapshot);
        saved = true;
      }
      index = loadHnswIndex(snapshot, { efSearch: ef });
    },
    search(query, k) {
      return index.search(query, k).map((n) => Number(n.itemId));
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** hnswlib-node called directly with numeric labels: the wrapper's overhead is the gap to `hnsw`. */
function directHnswlib(p: ContenderParams): Contender {
  const index = new hnswlib.HierarchicalNSW('cosine', p.dim);
  index.initIndex({ maxElements: p.count, m: p.M, efConstruction: p.efConstruction, randomSeed: 42 });
  return {
    label: 'hnswlib-node direct',
    build(items) {
      for (let i = 0; i < items.count; i++) index.addPoint(Array.from(row(items, i)), i);
    },
    setEf: (ef) => index.setEf(ef),
    search(query, k) {
      return index.searchKnn(Array.from(query), k).neighbors;
    },
  };
}

type Usearch = typeof UsearchModule;

/**
 * usearch's ESM entry recurses forever looking for its native build under tsx, so it is
 * loaded through require. Its expansion_search is fixed at construction, so it is
 * measured at one ef; add and search use one thread to match hnswlib-node's JS API.
 */
function directUsearch(p: ContenderParams): Contender {
  const usearch = createRequire(import.meta.url)('usearch') as Usearch;
  const ef = 64; // keep equal to USEARCH_EF in ann.ts
  const index = new usearch.Index({
    dimensions: p.dim,
    metric: usearch.MetricKind.Cos,
    quantization: usearch.ScalarKind.F32,
    connectivity: p.M,
    expansion_add: p.efConstruction,
    expansion_search: ef,
    multi: false,
  });
  return {
    label: `usearch (ef ${ef}, 1 thread)`,
    build(items) {
      const keys = new BigUint64Array(items.count);
      for (let i = 0; i < items.count; i++) keys[i] = BigInt(i);
      index.add(keys, items.data, 1);
    },
    search(query, k) {
      const m = index.search(query, k, 1);
      return Array.from(m.keys, (key) => Number(key));
    },
  };
}

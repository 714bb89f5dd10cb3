import { createRequire } from 'node:module';
import hnswlib from 'hnswlib-node';
import type * as UsearchModule from 'usearch';
import type { AnnIndex } from '../../src/core/ann-index.ts';
import { importIfPresent } from '../lib/engine.ts';
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
}

export async function createContender(name: ContenderName, p: ContenderParams): Promise<Contender> {
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
function fromAnnIndex(label: string, index: AnnIndex, setEf?: (ef: number) => void): Contender {
  return {
    label,
    build(items) {
      for (let i = 0; i < items.count; i++) index.upsert(String(i), row(items, i));
    },
    ...(setEf ? { setEf } : {}),
    search(query, k) {
      return index.search(query, k).map((n) => Number(n.itemId));
    },
  };
}

async function engineExact(p: ContenderParams): Promise<Contender> {
  const mod = await importIfPresent('src/core/exact-index.ts');
  const create = mod?.createExactIndex as ((dim: number) => AnnIndex) | undefined;
  if (create) return fromAnnIndex('exact (src/core/exact-index.ts)', create(p.dim));
  // Until the engine's exact twin lands, hnswlib-node's own brute force is the reference.
  const index = new hnswlib.BruteforceSearch('cosine', p.dim);
  index.initIndex(p.count);
  return {
    label: 'exact (hnswlib-node BruteforceSearch; engine exact-index not landed)',
    build(items) {
      for (let i = 0; i < items.count; i++) index.addPoint(Array.from(row(items, i)), i);
    },
    search(query, k) {
      return index.searchKnn(Array.from(query), k).neighbors;
    },
  };
}

async function engineHnsw(p: ContenderParams): Promise<Contender> {
  const mod = await importIfPresent('src/core/hnsw-index.ts');
  type Create = (o: { dim: number; capacity: number; M: number; efConstruction: number; efSearch: number; seed: number }) => AnnIndex;
  const create = mod?.createHnswIndex as Create | undefined;
  if (!create) throw new Error('src/core/hnsw-index.ts (createHnswIndex) has not landed');
  const index = create({ dim: p.dim, capacity: p.count, M: p.M, efConstruction: p.efConstruction, efSearch: 64, seed: 42 });
  const tunable = index as AnnIndex & { setEfSearch?: (ef: number) => void };
  return fromAnnIndex('hnsw (src/core/hnsw-index.ts)', index, tunable.setEfSearch?.bind(index));
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

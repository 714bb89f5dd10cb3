import { createRng, gaussian } from '../lib/stats.ts';

/**
 * Seeded synthetic embeddings: a mixture of `clusters` Gaussian blobs (centres N(0,1),
 * spread `spread`), which is closer to trained item vectors than uniform noise (uniform
 * 64-d data has no neighbourhood structure and is a worst case for every ANN index).
 * Queries come from the same mixture with a different seed, so they are not stored items.
 */
export interface VectorSet {
  dim: number;
  count: number;
  /** Row-major count × dim. */
  data: Float32Array;
  /** The blob each row was drawn from: rows of one blob are each other's neighbourhood. */
  clusterOf: Uint16Array;
}

export const ANN_CLUSTERS = 256;
export const ANN_SPREAD = 0.6;

export function makeVectors(count: number, dim: number, seed: number): VectorSet {
  const centres = makeCentres(dim);
  const rng = createRng(seed);
  const data = new Float32Array(count * dim);
  const clusterOf = new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    const c = Math.floor(rng() * ANN_CLUSTERS);
    clusterOf[i] = c;
    for (let d = 0; d < dim; d++) data[i * dim + d] = centres[c * dim + d]! + ANN_SPREAD * gaussian(rng);
  }
  return { dim, count, data, clusterOf };
}

export function row(set: VectorSet, i: number): Float32Array {
  return set.data.subarray(i * set.dim, (i + 1) * set.dim);
}

function makeCentres(dim: number): Float32Array {
  // Fixed seed: items and queries (different seeds) share the same centres.
  const rng = createRng(0x5eed);
  const centres = new Float32Array(ANN_CLUSTERS * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = gaussian(rng);
  return centres;
}

export const ITEM_SEED = 42;
/** The engine benches' catalog (`item-N` = row N): publishItems and the learner harness use it. */
export const ITEM_VECTORS_SEED = 7;
export const QUERY_SEED = 4242;

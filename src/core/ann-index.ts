import type { Vector } from './vector.ts';

export interface Neighbour {
  itemId: string;
  /** Cosine similarity, higher is closer. */
  score: number;
}

/**
 * Nearest-neighbour search over item embeddings by cosine similarity. Two twins
 * implement it: HNSW (hnswlib-node) for serving and exact brute force as the reference
 * that recall is measured against; one test suite runs against both.
 */
export interface AnnIndex {
  readonly dim: number;
  readonly size: number;
  /** Adds the item or replaces its vector. */
  upsert(itemId: string, vector: Vector): void;
  remove(itemId: string): boolean;
  has(itemId: string): boolean;
  /** Up to k items, best first, that pass `accept` (filtering happens inside the search). */
  search(query: Vector, k: number, accept?: (itemId: string) => boolean): Neighbour[];
  vectorOf(itemId: string): Vector | undefined;
  ids(): Iterable<string>;
}

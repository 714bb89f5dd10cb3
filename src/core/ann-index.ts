import { itemHash } from './item-hash.ts';
import type { Vector } from './vector.ts';

export interface Neighbour {
  itemId: string;
  /** Cosine similarity, higher is closer. */
  score: number;
}

/**
 * What a search may return. A predicate is called for every candidate the search visits
 * (with HNSW that is a call from native code into JS, ~150–200 per query at k 50). The object
 * form names items that never qualify (a user's seen items, a request's excludes) by their
 * itemHash (item-hash.ts); HNSW turns those into a label mask that its native search reads
 * without calling JS at all. `accept`, when present, still runs per candidate, so callers
 * leave it out when it would accept everything (availability belongs in setHidden).
 */
export type SearchFilter = ((itemId: string) => boolean) | { rejectHashes: ReadonlySet<number>; accept?: (itemId: string) => boolean };

/** The filter as one predicate (for indexes that scan ids anyway). */
export function filterPredicate(filter: SearchFilter | undefined): ((itemId: string) => boolean) | undefined {
  if (filter === undefined || typeof filter === 'function') return filter;
  const { rejectHashes, accept } = filter;
  return accept === undefined ? (id) => !rejectHashes.has(itemHash(id)) : (id) => !rejectHashes.has(itemHash(id)) && accept(id);
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
  /**
   * upsert for every entry (a refit's vectors): the same items and vectors afterwards, though an
   * approximate index may rebuild its graph instead when the change covers most of it.
   */
  upsertMany(changes: ReadonlyMap<string, Vector>): void;
  remove(itemId: string): boolean;
  has(itemId: string): boolean;
  /**
   * Hides an item from every search, or shows it again, keeping its vector (the catalog's
   * unavailable items). Hidden-ness belongs to the id: it holds for an id not indexed yet
   * and survives remove and re-add. It is applied inside the search like a reject, so
   * thousands of hidden items cost a search nothing per candidate.
   */
  setHidden(itemId: string, hidden: boolean): void;
  /** Up to k items, best first, that pass `filter` and are not hidden (filtering happens inside the search). */
  search(query: Vector, k: number, filter?: SearchFilter): Neighbour[];
  vectorOf(itemId: string): Vector | undefined;
  /**
   * The indexed ids whose itemHash is `hash` (usually one; a 30-bit hash is shared by a few
   * ids in a big catalog): how a stored candidate pool, kept as hashes, becomes ids again.
   */
  idsWithHash(hash: number): string[];
  ids(): Iterable<string>;
}

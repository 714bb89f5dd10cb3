import { filterPredicate, type AnnIndex, type Neighbour } from './ann-index.ts';
import { checkIndexVector, normalizeInto, TopK } from './index-common.ts';
import { itemHash } from './item-hash.ts';
import type { Vector } from './vector.ts';

/**
 * Brute-force cosine search over unit vectors in one growing Float32Array: the reference
 * twin that HNSW recall is measured against, and fast enough for a few thousand items.
 * Removal swaps the last slot into the hole, so the scan stays dense.
 */
export function createExactIndex(dim: number, initialCapacity = 1024): AnnIndex {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`dim must be a positive integer, got ${dim}`);
  let capacity = Math.max(1, initialCapacity);
  let data = new Float32Array(capacity * dim);
  const ids: string[] = [];
  const slotOf = new Map<string, number>();
  const hidden = new Set<string>();
  const idsOfHash = new Map<number, string[]>();

  function grow(): void {
    capacity *= 2;
    const next = new Float32Array(capacity * dim);
    next.set(data);
    data = next;
  }

  return {
    dim,
    get size() {
      return ids.length;
    },
    upsert(itemId, vector) {
      checkIndexVector(itemId, vector, dim);
      let slot = slotOf.get(itemId);
      if (slot === undefined) {
        if (ids.length === capacity) grow();
        slot = ids.length;
        ids.push(itemId);
        slotOf.set(itemId, slot);
        const hash = itemHash(itemId);
        idsOfHash.set(hash, [...(idsOfHash.get(hash) ?? []), itemId]);
      }
      normalizeInto(vector, data, slot * dim);
    },
    remove(itemId) {
      const slot = slotOf.get(itemId);
      if (slot === undefined) return false;
      const last = ids.length - 1;
      if (slot !== last) {
        const movedId = ids[last]!;
        data.copyWithin(slot * dim, last * dim, (last + 1) * dim);
        ids[slot] = movedId;
        slotOf.set(movedId, slot);
      }
      ids.pop();
      slotOf.delete(itemId);
      const hash = itemHash(itemId);
      const rest = (idsOfHash.get(hash) ?? []).filter((id) => id !== itemId);
      if (rest.length === 0) idsOfHash.delete(hash);
      else idsOfHash.set(hash, rest);
      return true;
    },
    has(itemId) {
      return slotOf.has(itemId);
    },
    setHidden(itemId, hide) {
      if (hide) hidden.add(itemId);
      else hidden.delete(itemId);
    },
    search(query, k, filter): Neighbour[] {
      const accept = filterPredicate(filter);
      if (query.length !== dim) throw new RangeError(`query has dimension ${query.length}, the index has ${dim}`);
      const q = new Float32Array(dim);
      if (k <= 0 || ids.length === 0 || !normalizeInto(query, q, 0)) return [];
      const top = new TopK(Math.min(k, ids.length));
      const scores = scoreAll(data, ids.length, dim, q);
      for (let s = 0; s < scores.length; s++) {
        const score = scores[s]!;
        if (!top.wouldAccept(score)) continue;
        const id = ids[s]!;
        if (hidden.size > 0 && hidden.has(id)) continue;
        if (accept && !accept(id)) continue;
        top.push(id, score);
      }
      return top.sorted();
    },
    vectorOf(itemId): Vector | undefined {
      const slot = slotOf.get(itemId);
      return slot === undefined ? undefined : data.slice(slot * dim, (slot + 1) * dim);
    },
    idsWithHash(hash) {
      return (idsOfHash.get(hash) ?? []).slice();
    },
    ids() {
      return ids.slice();
    },
  };
}

/** Dot products of q with the first n rows of a row-major matrix (a monomorphic hot loop). */
function scoreAll(data: Float32Array, n: number, dim: number, q: Float32Array): Float64Array {
  const out = new Float64Array(n);
  for (let s = 0, base = 0; s < n; s++, base += dim) {
    let score = 0;
    for (let i = 0; i < dim; i++) score += q[i]! * data[base + i]!;
    out[s] = score;
  }
  return out;
}

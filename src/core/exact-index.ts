import type { AnnIndex, Neighbour } from './ann-index.ts';
import { checkIndexVector, normalizeInto, TopK } from './index-common.ts';
import { itemHash } from './item-hash.ts';
import { createRowStore } from './dot-scan.ts';
import type { Vector } from './vector.ts';

/**
 * Brute-force cosine search over unit vectors in one growing array (scored in WebAssembly,
 * dot-scan.ts): the reference twin that HNSW recall is measured against, and what `eval`
 * replays with up to 20,000 items. Removal swaps the last slot into the hole, so the scan stays dense.
 */
export function createExactIndex(dim: number, initialCapacity = 1024, scanKind?: 'wasm' | 'js'): AnnIndex {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`dim must be a positive integer, got ${dim}`);
  let capacity = Math.max(1, initialCapacity);
  // Unit vectors as float32, what HNSW stores, scored in float32 as hnswlib scores them.
  const store = createRowStore(dim, capacity, scanKind);
  // One vector normalised to float32 on its way into the rows; one query normalised the same way.
  const unit = new Float32Array(dim);
  const unitQuery = new Float32Array(dim);
  const ids: string[] = [];
  // itemHash of each slot's id, so a filter by hashes costs no hashing per candidate.
  let slotHashes = new Int32Array(capacity);
  const slotOf = new Map<string, number>();
  const hidden = new Set<string>();
  const idsOfHash = new Map<number, string[]>();

  function grow(): void {
    capacity *= 2;
    store.grow(capacity);
    const hashes = new Int32Array(capacity);
    hashes.set(slotHashes);
    slotHashes = hashes;
  }

  const index: AnnIndex = {
    dim,
    get size() {
      return ids.length;
    },
    upsertMany(changes) {
      for (const [itemId, vector] of changes) index.upsert(itemId, vector);
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
        slotHashes[slot] = hash;
        idsOfHash.set(hash, [...(idsOfHash.get(hash) ?? []), itemId]);
      }
      // A vector whose squared length overflows has no usable direction: the slot keeps what it held.
      if (normalizeInto(vector, unit, 0)) store.rows.set(unit, slot * dim);
    },
    remove(itemId) {
      const slot = slotOf.get(itemId);
      if (slot === undefined) return false;
      const last = ids.length - 1;
      if (slot !== last) {
        const movedId = ids[last]!;
        store.rows.copyWithin(slot * dim, last * dim, (last + 1) * dim);
        ids[slot] = movedId;
        slotHashes[slot] = slotHashes[last]!;
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
      if (query.length !== dim) throw new RangeError(`query has dimension ${query.length}, the index has ${dim}`);
      const n = ids.length;
      if (k <= 0 || n === 0 || !normalizeInto(query, unitQuery, 0)) return [];
      // Queries keep the reserved coordinate at 0 (item-space.ts); adding its ±0 products cannot change a sum.
      const scores = store.scan(unitQuery, n, unitQuery[dim - 1] === 0 ? dim - 1 : dim);
      // Then the filter, in slot order (ties keep the first slot, as one pass would): the scan
      // stays a tight loop and the filter runs only for scores that would enter the top k.
      const top = new TopK(Math.min(k, n));
      const reject = filter !== undefined && typeof filter !== 'function' ? filter.rejectHashes : undefined;
      const accept = typeof filter === 'function' ? filter : filter?.accept;
      const hashes = slotHashes;
      for (let s = 0; s < n; s++) {
        const score = scores[s]!;
        if (!top.wouldAccept(score)) continue;
        const id = ids[s]!;
        if (hidden.size > 0 && hidden.has(id)) continue;
        if (reject !== undefined && reject.has(hashes[s]!)) continue;
        if (accept && !accept(id)) continue;
        top.push(id, score);
      }
      return top.sorted();
    },
    vectorOf(itemId): Vector | undefined {
      const slot = slotOf.get(itemId);
      return slot === undefined ? undefined : store.rows.slice(slot * dim, (slot + 1) * dim);
    },
    idsWithHash(hash) {
      return (idsOfHash.get(hash) ?? []).slice();
    },
    ids() {
      return ids.slice();
    },
  };
  return index;
}

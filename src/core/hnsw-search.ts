import hnswlib from 'hnswlib-node';
import type { SearchFilter } from './ann-index.ts';
import type { HnswLabels } from './hnsw-labels.ts';
import { HIDDEN, type LabelMask } from './hnsw-mask.ts';

/**
 * True when hnswlib-node carries streamrec's patch (patches/hnswlib-node+3.0.0.patch, applied
 * by `npm ci`'s postinstall): searchKnn then takes a Float32Array query and a Uint8Array
 * label mask as its filter, read in native code. Without it every filtered search calls
 * into JS once per visited candidate (~200 calls, ~30 µs of a ~110 µs search at 100k × 64),
 * which still works, only slower; the API logs a warning.
 */
export const HNSW_NATIVE_MASK: boolean = probeNativeMask();

function probeNativeMask(): boolean {
  try {
    const probe = new hnswlib.HierarchicalNSW('l2', 1);
    probe.initIndex({ maxElements: 2 });
    probe.addPoint([0], 0);
    probe.addPoint([1], 1);
    return probe.searchKnn(Float32Array.of(0), 1, Uint8Array.of(1)).neighbors[0] === 1;
  } catch {
    return false;
  }
}

/**
 * The k nearest live labels to `query` that pass `filter` and are not hidden. The ef to use
 * is set on `native` by the caller.
 *
 * Always with a filter (the mask or labelFilter): without one hnswlib takes its bare-bone
 * path, whose stop rule differs slightly, and results must not depend on the filter's form.
 */
export function searchLabels(
  native: hnswlib.HierarchicalNSW,
  labels: HnswLabels,
  mask: LabelMask,
  query: Float32Array,
  k: number,
  filter: SearchFilter | undefined,
): hnswlib.SearchResult {
  return HNSW_NATIVE_MASK && typeof filter !== 'function' && filter?.accept === undefined
    ? searchMasked(native, labels, mask, query, k, filter?.rejectHashes)
    : native.searchKnn(Array.from(query), k, labelFilter(labels, mask, filter));
}

/** A search whose filter is only rejected hashes, filtered in native code through the mask. */
function searchMasked(
  native: hnswlib.HierarchicalNSW,
  labels: HnswLabels,
  mask: LabelMask,
  query: Float32Array,
  k: number,
  rejectHashes: ReadonlySet<number> | undefined,
): hnswlib.SearchResult {
  const marked = labels.labelsWithHashes(rejectHashes ?? []);
  mask.reject(marked);
  try {
    return native.searchKnn(query, k, mask.bits);
  } finally {
    mask.unreject(marked);
  }
}

/**
 * The JS filter (an unpatched addon, or a predicate that needs the id), called for every
 * candidate the search visits. Looking a label up in a 100k-entry map and hashing its id
 * misses the CPU cache each time (~0.6 µs, more than the distance computations of the
 * search), so rejection compares the label's stored itemHash (an array read) and the id is
 * looked up only when a predicate needs it. The arrays and the mask are read once here: none
 * is replaced while a search runs. hnswlib never passes a marked-deleted label, and every
 * other label has an id (remove() marks and forgets together).
 */
function labelFilter(labels: HnswLabels, mask: LabelMask, filter: SearchFilter | undefined): (label: number) => boolean {
  const rejects = typeof filter === 'function' ? undefined : filter?.rejectHashes;
  const reject = rejects === undefined || rejects.size === 0 ? undefined : rejects;
  const accept = typeof filter === 'function' ? filter : filter?.accept;
  const anyHidden = mask.anyHidden;
  const bits = mask.bits;
  const hashOfLabel = labels.hashOfLabel;
  const idOfLabel = labels.idOfLabel;
  return (label) => {
    if (anyHidden && (bits[label]! & HIDDEN) !== 0) return false;
    if (reject?.has(hashOfLabel[label]!)) return false;
    if (accept === undefined) return true;
    const id = idOfLabel[label];
    return id !== undefined && accept(id);
  };
}

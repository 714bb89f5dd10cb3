import hnswlib from 'hnswlib-node';
import type { AnnIndex, Neighbour, SearchFilter } from './ann-index.ts';
import { checkIndexVector, hasDirection } from './index-common.ts';
import { itemHash } from './item-hash.ts';
import type { Vector } from './vector.ts';

/** A fixed query-time beam width, or 'auto': one that grows with the catalog (autoEfSearch). */
export type EfSearch = number | 'auto';

export interface HnswOptions {
  dim: number;
  /** Initial slots; the index doubles when full. */
  capacity?: number;
  M?: number;
  efConstruction?: number;
  /** Beam width at query time ('auto' by default); raised to k when k is larger. */
  efSearch?: EfSearch;
  seed?: number;
}

export interface HnswIndex extends AnnIndex {
  readonly capacity: number;
  readonly efSearch: EfSearch;
  /** The beam width a search of k ≤ it uses now (efSearch, or autoEfSearch of the current size). */
  readonly efNow: number;
  /** The graph's half of a snapshot, written by hnswlib itself (src/adapters/fs/hnsw-snapshot.ts keeps both halves). */
  writeGraph(path: string): void;
  /** The id map and parameters: the other half of a snapshot. */
  idMap(): HnswIdMap;
}

export interface HnswIdMap {
  format: 'streamrec-hnsw-ids';
  version: 1;
  dim: number;
  M: number;
  efConstruction: number;
  efSearch: EfSearch;
  seed: number;
  nextLabel: number;
  /** [label, itemId] pairs of live items. */
  labels: Array<[number, string]>;
}

const DEFAULTS: Required<Omit<HnswOptions, 'dim'>> = { capacity: 1024, M: 16, efConstruction: 200, efSearch: 'auto', seed: 100 };

/**
 * The beam width 'auto' uses for a catalog of `items`: 64 up to 250k items, then growing with
 * the square root of the size, capped at 512. Measured on 64-dim vectors (native-bench ann,
 * M 16, efConstruction 200): ef 64 gives recall@10 0.9993 at 100k items but 0.948 at 1M,
 * where 128 (what this gives) reaches 0.993. A search costs about linearly in ef, so a small
 * catalog keeps the cheaper width.
 */
export function autoEfSearch(items: number): number {
  return Math.min(512, Math.max(64, Math.round(64 * Math.sqrt(items / 250_000))));
}

// Bits of the label mask (see wrap).
const REJECTED = 1;
const HIDDEN = 2;

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
 * AnnIndex on hnswlib-node in cosine space. hnswlib knows numeric labels only, so string
 * ids map to labels that are never reused for another id: an upsert of a known id updates
 * its point in place, a removal marks the label deleted and forgets it, and a new id may
 * take over a deleted slot (allowReplaceDeleted), so churn does not grow memory.
 */
export function createHnswIndex(options: HnswOptions): HnswIndex {
  const opts = { ...DEFAULTS, ...options };
  if (!Number.isInteger(opts.dim) || opts.dim < 1) throw new RangeError(`dim must be a positive integer, got ${opts.dim}`);
  const native = new hnswlib.HierarchicalNSW('cosine', opts.dim);
  native.initIndex({
    maxElements: Math.max(16, opts.capacity),
    m: opts.M,
    efConstruction: opts.efConstruction,
    randomSeed: opts.seed,
    allowReplaceDeleted: true,
  });
  return wrap(native, opts, new Map(), 0, 0);
}

/** Rebuilds an index from a graph file (writeGraph) and its id map (idMap). */
export function restoreHnswIndex(graphPath: string, meta: HnswIdMap, overrides: { efSearch?: EfSearch } = {}): HnswIndex {
  const native = new hnswlib.HierarchicalNSW('cosine', meta.dim);
  native.readIndexSync(graphPath, true);
  const labelOf = new Map<string, number>();
  for (const [label, id] of meta.labels) labelOf.set(id, label);
  const deleted = native.getCurrentCount() - labelOf.size;
  const opts = { dim: meta.dim, capacity: native.getMaxElements(), M: meta.M, efConstruction: meta.efConstruction, efSearch: overrides.efSearch ?? meta.efSearch, seed: meta.seed };
  return wrap(native, opts, labelOf, meta.nextLabel, Math.max(0, deleted));
}

function wrap(
  native: hnswlib.HierarchicalNSW,
  opts: Required<HnswOptions>,
  labelOf: Map<string, number>,
  firstLabel: number,
  deletedAtStart: number,
): HnswIndex {
  const { dim } = opts;
  // Label-indexed arrays (labels are dense and never reused): an array read per search result
  // instead of a map lookup. Filled up to firstLabel, so a snapshot's labels land inside them
  // (a far write to an empty array turns it into a slow dictionary).
  const idOfLabel = new Array<string | undefined>(firstLabel).fill(undefined);
  // itemHash of each live label's id (-1 once removed), for the reject part of a filter.
  const hashOfLabel = new Array<number>(firstLabel).fill(-1);
  // The other way round, for the native mask: the label(s) of each hash (a 30-bit hash
  // collides about 5 times among 100k ids; a reject then drops every holder, as hashOfLabel does).
  const labelsOfHash = new Map<number, number | number[]>();
  // Label-indexed, nonzero = not returned: HIDDEN while the id is hidden (setHidden), and
  // REJECTED while a search runs for the labels of its rejected hashes; hnswlib reads it in
  // place (no call into JS per candidate), and the JS filter reads HIDDEN from it. Labels are
  // never reused, so it covers nextLabel, not the capacity.
  let mask = new Uint8Array(Math.max(16, firstLabel));
  const hidden = new Set<string>();
  const remember = (id: string, label: number) => {
    const hash = itemHash(id);
    idOfLabel[label] = id;
    hashOfLabel[label] = hash;
    const held = labelsOfHash.get(hash);
    labelsOfHash.set(hash, held === undefined ? label : typeof held === 'number' ? [held, label] : [...held, label]);
    if (label >= mask.length) {
      const grown = new Uint8Array(Math.max(label + 1, mask.length * 2));
      grown.set(mask);
      mask = grown;
    }
    mask[label] = hidden.has(id) ? HIDDEN : 0;
  };
  const forget = (label: number) => {
    const hash = hashOfLabel[label]!;
    idOfLabel[label] = undefined;
    hashOfLabel[label] = -1;
    mask[label] = 0;
    const held = labelsOfHash.get(hash);
    const rest = typeof held === 'number' || held === undefined ? [] : held.filter((l) => l !== label);
    if (rest.length === 0) labelsOfHash.delete(hash);
    else labelsOfHash.set(hash, rest.length === 1 ? rest[0]! : rest);
  };
  for (const [id, label] of labelOf) remember(id, label);
  let nextLabel = firstLabel;
  const efFor = (items: number) => (opts.efSearch === 'auto' ? autoEfSearch(items) : opts.efSearch);
  // Marked-deleted slots that a new id may take over.
  let deleted = deletedAtStart;

  function labelFor(itemId: string): number | undefined {
    return labelOf.get(itemId);
  }

  /**
   * The JS filter (an unpatched addon, or a predicate that needs the id), called for every
   * candidate the search visits. Looking a label up in a
   * 100k-entry map and hashing its id misses the CPU cache each time (~0.6 µs, more than the
   * distance computations of the search), so rejection compares the label's stored itemHash
   * (an array read) and the id is looked up only when a predicate needs it. hnswlib never
   * passes a marked-deleted label, and every other label has an id (remove() marks and
   * forgets together). Always a filter (this function or the mask): without one hnswlib takes
   * its bare-bone path, whose stop rule differs slightly, and results must not depend on the
   * filter's form.
   */
  function labelFilter(filter: SearchFilter | undefined): (label: number) => boolean {
    const rejects = typeof filter === 'function' ? undefined : filter?.rejectHashes;
    const reject = rejects === undefined || rejects.size === 0 ? undefined : rejects;
    const accept = typeof filter === 'function' ? filter : filter?.accept;
    const anyHidden = hidden.size > 0;
    return (label) => {
      if (anyHidden && (mask[label]! & HIDDEN) !== 0) return false;
      if (reject?.has(hashOfLabel[label]!)) return false;
      if (accept === undefined) return true;
      const id = idOfLabel[label];
      return id !== undefined && accept(id);
    };
  }

  /** A search whose filter is only rejected hashes, filtered in native code through `mask`. */
  function searchMasked(query: Float32Array, k: number, rejectHashes: ReadonlySet<number> | undefined): hnswlib.SearchResult {
    const marked: number[] = [];
    for (const hash of rejectHashes ?? []) {
      const held = labelsOfHash.get(hash);
      if (held === undefined) continue;
      if (typeof held === 'number') marked.push(held);
      else marked.push(...held);
    }
    for (const label of marked) mask[label]! |= REJECTED;
    try {
      return native.searchKnn(query, k, mask);
    } finally {
      for (const label of marked) mask[label]! &= ~REJECTED;
    }
  }

  return {
    dim,
    get size() {
      return labelOf.size;
    },
    get capacity() {
      return native.getMaxElements();
    },
    efSearch: opts.efSearch,
    get efNow() {
      return efFor(labelOf.size);
    },
    upsert(itemId, vector) {
      checkIndexVector(itemId, vector, dim);
      const point = Array.from(vector);
      const existing = labelFor(itemId);
      if (existing !== undefined) {
        native.addPoint(point, existing);
        return;
      }
      const label = nextLabel++;
      if (deleted > 0) {
        native.addPoint(point, label, true);
        deleted--;
      } else {
        if (native.getCurrentCount() >= native.getMaxElements()) native.resizeIndex(native.getMaxElements() * 2);
        native.addPoint(point, label);
      }
      labelOf.set(itemId, label);
      remember(itemId, label);
    },
    remove(itemId) {
      const label = labelFor(itemId);
      if (label === undefined) return false;
      native.markDelete(label);
      labelOf.delete(itemId);
      forget(label);
      deleted++;
      return true;
    },
    has(itemId) {
      return labelOf.has(itemId);
    },
    setHidden(itemId, hide) {
      if (hide) hidden.add(itemId);
      else hidden.delete(itemId);
      const label = labelFor(itemId);
      if (label !== undefined) mask[label] = hide ? HIDDEN : 0;
    },
    search(query, k, filter): Neighbour[] {
      if (query.length !== dim) throw new RangeError(`query has dimension ${query.length}, the index has ${dim}`);
      const n = labelOf.size;
      if (k <= 0 || n === 0 || !hasDirection(query)) return [];
      const kk = Math.min(Math.floor(k), n);
      native.setEf(Math.max(efFor(n), kk));
      const res = HNSW_NATIVE_MASK && typeof filter !== 'function' && filter?.accept === undefined
        ? searchMasked(query, kk, filter?.rejectHashes)
        : native.searchKnn(Array.from(query), kk, labelFilter(filter));
      const out: Neighbour[] = [];
      for (let i = 0; i < res.neighbors.length; i++) {
        const id = idOfLabel[res.neighbors[i]!];
        if (id !== undefined) out.push({ itemId: id, score: 1 - res.distances[i]! });
      }
      return out;
    },
    vectorOf(itemId): Vector | undefined {
      const label = labelFor(itemId);
      return label === undefined ? undefined : Float32Array.from(native.getPoint(label));
    },
    idsWithHash(hash) {
      const held = labelsOfHash.get(hash);
      if (held === undefined) return [];
      return (typeof held === 'number' ? [held] : held).map((label) => idOfLabel[label]!);
    },
    ids() {
      return Array.from(labelOf.keys());
    },
    writeGraph(path) {
      native.writeIndexSync(path);
    },
    idMap(): HnswIdMap {
      return {
        format: 'streamrec-hnsw-ids',
        version: 1,
        dim,
        M: opts.M,
        efConstruction: opts.efConstruction,
        efSearch: opts.efSearch,
        seed: opts.seed,
        nextLabel,
        labels: Array.from(labelOf, ([id, label]) => [label, id] as [number, string]),
      };
    },
  };
}

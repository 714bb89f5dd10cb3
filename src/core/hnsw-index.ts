import hnswlib from 'hnswlib-node';
import type { AnnIndex, Neighbour } from './ann-index.ts';
import { HnswLabels } from './hnsw-labels.ts';
import { LabelMask } from './hnsw-mask.ts';
import { searchLabels } from './hnsw-search.ts';
import { checkIndexVector, hasDirection } from './index-common.ts';
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

// Where the search's filter form is chosen; exported here too, as part of the index's API.
export { HNSW_NATIVE_MASK } from './hnsw-search.ts';

// Below this many changes upsertMany never rebuilds: a small index is cheap to update either way.
const REBUILD_MIN_CHANGES = 1000;

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

/**
 * AnnIndex on hnswlib-node in cosine space. hnswlib knows numeric labels only, so string
 * ids map to labels that are never reused for another id: an upsert of a known id updates
 * its point in place, a removal marks the label deleted and forgets it, and a new id may
 * take over a deleted slot (allowReplaceDeleted), so churn does not grow memory.
 */
export function createHnswIndex(options: HnswOptions): HnswIndex {
  const opts = { ...DEFAULTS, ...options };
  if (!Number.isInteger(opts.dim) || opts.dim < 1) throw new RangeError(`dim must be a positive integer, got ${opts.dim}`);
  return compose(emptyGraph(opts, opts.capacity), opts, new HnswLabels([], 0), 0);
}

/** An empty hnswlib graph with the index's parameters, room for `capacity` points. */
function emptyGraph(opts: Required<HnswOptions>, capacity: number): hnswlib.HierarchicalNSW {
  const native = new hnswlib.HierarchicalNSW('cosine', opts.dim);
  native.initIndex({
    maxElements: Math.max(16, capacity),
    m: opts.M,
    efConstruction: opts.efConstruction,
    randomSeed: opts.seed,
    allowReplaceDeleted: true,
  });
  return native;
}

/** Rebuilds an index from a graph file (writeGraph) and its id map (idMap). */
export function restoreHnswIndex(graphPath: string, meta: HnswIdMap, overrides: { efSearch?: EfSearch } = {}): HnswIndex {
  const native = new hnswlib.HierarchicalNSW('cosine', meta.dim);
  native.readIndexSync(graphPath, true);
  const labels = new HnswLabels(meta.labels, meta.nextLabel);
  const deleted = native.getCurrentCount() - labels.size;
  const opts = { dim: meta.dim, capacity: native.getMaxElements(), M: meta.M, efConstruction: meta.efConstruction, efSearch: overrides.efSearch ?? meta.efSearch, seed: meta.seed };
  return compose(native, opts, labels, Math.max(0, deleted));
}

/**
 * The AnnIndex over `native`, its labels and mask. `deleted` counts marked-deleted slots that a
 * new id may take over (allowReplaceDeleted), so churn reuses slots instead of growing.
 */
function compose(graph: hnswlib.HierarchicalNSW, opts: Required<HnswOptions>, labels: HnswLabels, deletedAtStart: number): HnswIndex {
  const { dim } = opts;
  // Replaced whole by upsertMany's rebuild; labels and mask carry over unchanged.
  let native = graph;
  const mask = new LabelMask(labels.nextLabel);
  // A snapshot's labels: no id is hidden yet, so this only grows the mask over any label at or
  // past its nextLabel (none in a well-formed id map).
  for (const [label, id] of labels.pairs()) mask.track(id, label);
  const efFor = (items: number) => (opts.efSearch === 'auto' ? autoEfSearch(items) : opts.efSearch);
  let deleted = deletedAtStart;

  function upsert(itemId: string, vector: Vector): void {
    checkIndexVector(itemId, vector, dim);
    const point = Array.from(vector);
    const existing = labels.labelFor(itemId);
    if (existing !== undefined) {
      native.addPoint(point, existing);
      return;
    }
    const label = labels.claim();
    if (deleted > 0) {
      native.addPoint(point, label, true);
      deleted--;
    } else {
      if (native.getCurrentCount() >= native.getMaxElements()) native.resizeIndex(native.getMaxElements() * 2);
      native.addPoint(point, label);
    }
    labels.add(itemId, label);
    mask.track(itemId, label);
  }

  return {
    dim,
    get size() {
      return labels.size;
    },
    get capacity() {
      return native.getMaxElements();
    },
    efSearch: opts.efSearch,
    get efNow() {
      return efFor(labels.size);
    },
    upsertMany(changes) {
      for (const [itemId, vector] of changes) checkIndexVector(itemId, vector, dim);
      // hnswlib's in-place update of a point repairs its neighbours' links: ~2,100 µs against
      // ~140 µs for a fresh insert (64 dims, M 16, efConstruction 200). A change covering at
      // least half the index (a refit) therefore builds a fresh graph of every point, under the
      // same labels (mask and id map stay as they are); a smaller one upserts point by point.
      if (changes.size < Math.max(REBUILD_MIN_CHANGES, labels.size / 2)) {
        for (const [itemId, vector] of changes) upsert(itemId, vector);
        return;
      }
      let added = 0;
      for (const itemId of changes.keys()) if (!labels.has(itemId)) added++;
      const fresh = emptyGraph(opts, Math.max(native.getMaxElements(), labels.size + added));
      for (const [label, itemId] of labels.pairs()) {
        const changed = changes.get(itemId);
        fresh.addPoint(changed ? Array.from(changed) : native.getPoint(label), label);
      }
      for (const [itemId, vector] of changes) {
        if (labels.has(itemId)) continue;
        const label = labels.claim();
        fresh.addPoint(Array.from(vector), label);
        labels.add(itemId, label);
        mask.track(itemId, label);
      }
      native = fresh;
      deleted = 0;
    },
    upsert,
    remove(itemId) {
      const label = labels.labelFor(itemId);
      if (label === undefined) return false;
      native.markDelete(label);
      labels.remove(itemId);
      mask.untrack(label);
      deleted++;
      return true;
    },
    has(itemId) {
      return labels.has(itemId);
    },
    setHidden(itemId, hide) {
      mask.setHidden(itemId, labels.labelFor(itemId), hide);
    },
    search(query, k, filter): Neighbour[] {
      if (query.length !== dim) throw new RangeError(`query has dimension ${query.length}, the index has ${dim}`);
      const n = labels.size;
      if (k <= 0 || n === 0 || !hasDirection(query)) return [];
      const kk = Math.min(Math.floor(k), n);
      native.setEf(Math.max(efFor(n), kk));
      const res = searchLabels(native, labels, mask, query, kk, filter);
      const idOfLabel = labels.idOfLabel;
      const out: Neighbour[] = [];
      for (let i = 0; i < res.neighbors.length; i++) {
        const id = idOfLabel[res.neighbors[i]!];
        if (id !== undefined) out.push({ itemId: id, score: 1 - res.distances[i]! });
      }
      return out;
    },
    vectorOf(itemId): Vector | undefined {
      const label = labels.labelFor(itemId);
      return label === undefined ? undefined : Float32Array.from(native.getPoint(label));
    },
    idsWithHash(hash) {
      return labels.idsWithHash(hash);
    },
    ids() {
      return labels.ids();
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
        nextLabel: labels.nextLabel,
        labels: labels.pairs(),
      };
    },
  };
}

import hnswlib from 'hnswlib-node';
import type { AnnIndex, Neighbour } from './ann-index.ts';
import { HnswLabels } from './hnsw-labels.ts';
import { LabelMask } from './hnsw-mask.ts';
import { searchLabels } from './hnsw-search.ts';
import { checkIndexVector, hasDirection } from './index-common.ts';
import type { Vector } from './vector.ts';

/** A fixed query-time beam width, or 'auto': one that grows with the catalog (autoEfSearch). */
export type EfSearch = number | 'auto';

/** A fixed build-time beam width, or 'auto': 200 from empty, and for a rebuild autoEfConstruction of its size. */
export type EfConstruction = number | 'auto';

export interface HnswOptions {
  dim: number;
  /** Initial slots; the index doubles when full. */
  capacity?: number;
  M?: number;
  /**
   * Build-time beam width. 'auto' (default): a graph grown by insertion from empty builds at
   * 200; a rebuild (after a refit) at autoEfConstruction of the points it holds. A number: every graph.
   */
  efConstruction?: EfConstruction;
  /** Beam width at query time ('auto' by default); raised to k when k is larger. */
  efSearch?: EfSearch;
  seed?: number;
  /**
   * What a large upsertMany (a refit: MOVE_BATCH changes or more) does with the points it moves.
   * 'now': builds a fresh graph at once (the one-process model, which waits for it anyway).
   * 'deferred': moves their data without relinking (~1 µs a point) and leaves them stale until
   * the owner drives rebuildStep in slices (serving processes, which must keep answering).
   */
  rebuild?: 'now' | 'deferred';
}

export interface HnswIndex extends AnnIndex {
  readonly capacity: number;
  readonly efSearch: EfSearch;
  /** The beam width a search of k ≤ it uses now (efSearch, or autoEfSearch of the current size). */
  readonly efNow: number;
  /** The build width of the graph serving now (and taking new points): see EfConstruction. */
  readonly efConstructionNow: number;
  /** The graph's half of a snapshot, written by hnswlib itself (src/adapters/fs/hnsw-snapshot.ts keeps both halves). */
  writeGraph(path: string): void;
  /** The id map and parameters: the other half of a snapshot. */
  idMap(): HnswIdMap;
  /**
   * Points whose data moved without relinking them (a large upsertMany under rebuild 'deferred')
   * since the graph they are in was built: searches score them right but may miss them.
   */
  readonly stale: number;
  /** True while a fresh graph is being built (rebuildStep started one and has not swapped it in). */
  readonly rebuilding: boolean;
  /**
   * Builds a fresh graph of every live point for about `budgetMs` of this call (at least one
   * point), starting a build when stale points exist and none is under way; the index keeps
   * serving and taking changes from the old graph meanwhile. Swaps the fresh graph in (with the
   * changes made since the build started) when done. True when no build is left to do.
   */
  rebuildStep(budgetMs: number): boolean;
}

export interface HnswIdMap {
  format: 'streamrec-hnsw-ids';
  version: 1;
  dim: number;
  M: number;
  efSearch: EfSearch;
  /** The build width of the graph in the snapshot (it goes on inserting new points at it). */
  efConstruction: number;
  /** Present when rebuilds choose their width by size (EfConstruction 'auto'); older readers ignore it and rebuild at efConstruction. */
  rebuildEfConstruction?: 'auto';
  seed: number;
  nextLabel: number;
  /** [label, itemId] pairs of live items. */
  labels: Array<[number, string]>;
}

// Where the search's filter form is chosen; exported here too, as part of the index's API.
export { HNSW_NATIVE_MASK } from './hnsw-search.ts';

/**
 * Moving a known point, measured on a refit of the online model's item vectors (42,562 × 64,
 * M 16, efConstruction 200, mean cosine 0.989 between a point's old and new vector):
 * hnswlib's update, which also repairs the links of all its neighbours, 174 µs a point
 * (recall@10 0.881 after the whole refit); relinking the point alone, 89 µs (0.857); moving its
 * data only, ~1 µs native (0.808); a fresh graph of every point, 76 µs a point (0.889). So a
 * single move relinks the point alone and a refit moves data, then builds a fresh graph.
 */
const RELINK_ALONE = 0;
const MOVE_DATA_ONLY = -1;
/** From this many changes on, upsertMany moves data and rebuilds instead of relinking each point. */
export const MOVE_BATCH = 256;

/**
 * Whether the addon takes addPoint's 4th argument (patches/hnswlib-node+3.0.0.patch): without
 * it, every move is hnswlib's full update, correct but slower. The patched addon's argument
 * check names 2-4 arguments.
 */
export const HNSW_MOVE_PATCH: boolean = probeMovePatch();

function probeMovePatch(): boolean {
  try {
    const probe = new hnswlib.HierarchicalNSW('l2', 1);
    probe.initIndex({ maxElements: 1 });
    (probe.addPoint as (...args: unknown[]) => void)();
    return false;
  } catch (err) {
    return /2-4 arguments/.test((err as Error).message);
  }
}

/**
 * Whether the addon copies points as Float32Arrays (patches/hnswlib-node+3.0.0.patch): getPoint
 * into a caller's array and addPoint from one, instead of a JS number per coordinate each way
 * (a 64-dim vectorOf: 6.5–7.4 µs as an array, most of it making the 64 numbers). Without it
 * points go as arrays, same values.
 */
export const HNSW_TYPED_PATCH: boolean = probeTypedPatch();

function probeTypedPatch(): boolean {
  try {
    const probe = new hnswlib.HierarchicalNSW('l2', 1);
    probe.initIndex({ maxElements: 1 });
    probe.addPoint(Float32Array.of(0.5), 0);
    const out: unknown = probe.getPoint(0, new Float32Array(1));
    return out instanceof Float32Array && out[0] === 0.5;
  } catch {
    return false;
  }
}

/** A point as the addon takes it. */
type Point = number[] | Float32Array;

function toPoint(vector: Vector): Point {
  return HNSW_TYPED_PATCH ? vector : Array.from(vector);
}

/** Label's point of `graph`; into `out` (and returned) when the addon takes it. */
function readPoint(graph: hnswlib.HierarchicalNSW, label: number, out: Float32Array): Point {
  return HNSW_TYPED_PATCH ? graph.getPoint(label, out) : graph.getPoint(label);
}

const DEFAULTS: Required<Omit<HnswOptions, 'dim'>> = { capacity: 1024, M: 16, efConstruction: 'auto', efSearch: 'auto', seed: 100, rebuild: 'now' };

/** What 'auto' builds a graph grown from empty with (its final size is not known yet). */
const EF_CONSTRUCTION_FROM_EMPTY = 200;

/**
 * The build width 'auto' rebuilds a graph of `items` points with: 100 below 100,000 items, else
 * 200. Measured with hnswlib-node directly on clustered 64-dim vectors (M 16, 500 queries,
 * recall@10 against brute force): 50,000 items, 59 vs 112 µs a point, recall 0.9996 vs 1.0000
 * at ef 64; 250,000, 97 vs 151 µs, 0.9903 vs 0.9953 at ef 64 (0.9990 vs 0.9997 at 128); at 1M
 * the cheaper build lost 0.027 (0.963 vs 0.990 at ef 128, native-bench/README.md). A rebuild after
 * each refit is most of a large catalogue's replay and of a serving process's refit work.
 */
export function autoEfConstruction(items: number): number {
  return items < 100_000 ? 100 : 200;
}

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
 * ids map to labels that are never reused for another id: an upsert of a known id moves its
 * point (relinked alone; a refit's batch moves data and rebuilds, see MOVE_BATCH), a removal
 * marks the label deleted and forgets it, and a new id may take over a deleted slot
 * (allowReplaceDeleted), so churn does not grow memory.
 */
export function createHnswIndex(options: HnswOptions): HnswIndex {
  const opts = { ...DEFAULTS, ...options };
  if (!Number.isInteger(opts.dim) || opts.dim < 1) throw new RangeError(`dim must be a positive integer, got ${opts.dim}`);
  const efConstruction = efConstructionFor(opts.efConstruction, undefined);
  return compose(emptyGraph(opts, opts.capacity, efConstruction), efConstruction, opts, new HnswLabels([], 0), 0);
}

/** An empty hnswlib graph with the index's parameters, room for `capacity` points, built at `efConstruction`. */
function emptyGraph(opts: Required<HnswOptions>, capacity: number, efConstruction: number): hnswlib.HierarchicalNSW {
  const native = new hnswlib.HierarchicalNSW('cosine', opts.dim);
  native.initIndex({
    maxElements: Math.max(16, capacity),
    m: opts.M,
    efConstruction,
    randomSeed: opts.seed,
    allowReplaceDeleted: true,
  });
  return native;
}

/** The build width of a graph grown from empty (`rebuildOf` undefined) or rebuilt with that many points. */
function efConstructionFor(setting: EfConstruction, rebuildOf: number | undefined): number {
  if (setting !== 'auto') return setting;
  return rebuildOf === undefined ? EF_CONSTRUCTION_FROM_EMPTY : autoEfConstruction(rebuildOf);
}

/** A fresh graph being built from `order` (the live labels when it started), point by point. */
interface RebuildJob {
  fresh: hnswlib.HierarchicalNSW;
  efConstruction: number;
  order: number[];
  next: number;
  /** Per label: 1 built from the order, 2 added at the finish. */
  inFresh: Uint8Array;
  /** Labels moved since the build started: true when any of their moves was data only. */
  moved: Map<number, boolean>;
}

/** What a process restoring a snapshot sets itself instead of taking the snapshot's. */
export interface HnswOverrides {
  efSearch?: EfSearch;
  /** How its own rebuilds build (the graph read from the file stays as it was built). */
  efConstruction?: EfConstruction;
  rebuild?: HnswOptions['rebuild'];
}

/** Rebuilds an index from a graph file (writeGraph) and its id map (idMap). */
export function restoreHnswIndex(graphPath: string, meta: HnswIdMap, overrides: HnswOverrides = {}): HnswIndex {
  const native = new hnswlib.HierarchicalNSW('cosine', meta.dim);
  native.readIndexSync(graphPath, true);
  const labels = new HnswLabels(meta.labels, meta.nextLabel);
  const deleted = native.getCurrentCount() - labels.size;
  const efConstruction: EfConstruction = overrides.efConstruction ?? (meta.rebuildEfConstruction === 'auto' ? 'auto' : meta.efConstruction);
  const opts = { dim: meta.dim, capacity: native.getMaxElements(), M: meta.M, efConstruction, efSearch: overrides.efSearch ?? meta.efSearch, seed: meta.seed, rebuild: overrides.rebuild ?? DEFAULTS.rebuild };
  return compose(native, meta.efConstruction, opts, labels, Math.max(0, deleted));
}

/**
 * The AnnIndex over `native`, its labels and mask. `deleted` counts marked-deleted slots that a
 * new id may take over (allowReplaceDeleted), so churn reuses slots instead of growing.
 */
function compose(graph: hnswlib.HierarchicalNSW, graphEfConstruction: number, opts: Required<HnswOptions>, labels: HnswLabels, deletedAtStart: number): HnswIndex {
  const { dim } = opts;
  // Replaced whole when a rebuild swaps its fresh graph in; labels and mask carry over unchanged.
  let native = graph;
  let builtWith = graphEfConstruction;
  const mask = new LabelMask(labels.nextLabel);
  // A snapshot's labels: no id is hidden yet, so this only grows the mask over any label at or
  // past its nextLabel (none in a well-formed id map).
  for (const [label, id] of labels.pairs()) mask.track(id, label);
  const efFor = (items: number) => (opts.efSearch === 'auto' ? autoEfSearch(items) : opts.efSearch);
  let deleted = deletedAtStart;
  // Labels whose data moved without relinking since their graph was built.
  let stale = new Set<number>();
  let job: RebuildJob | undefined;
  // One point read out of a graph on its way into another (addPoint copies it).
  const scratch = new Float32Array(dim);

  function insert(itemId: string, point: Point): void {
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

  /** Moves a known point of `target`: relinks it alone, or (a refit's batch) moves its data and marks it stale. */
  function moveIn(target: hnswlib.HierarchicalNSW, label: number, point: Point, dataOnly: boolean): void {
    if (!HNSW_MOVE_PATCH) target.addPoint(point, label);
    else if (dataOnly) {
      target.addPoint(point, label, false, MOVE_DATA_ONLY);
      stale.add(label);
    } else target.addPoint(point, label, false, RELINK_ALONE);
  }

  function move(label: number, point: Point, dataOnly: boolean): void {
    moveIn(native, label, point, dataOnly);
    // A build under way copied this point's old data, or will copy the new: either way it is
    // moved again, the same way, when the fresh graph is swapped in.
    if (job && !(job.moved.get(label) ?? false)) job.moved.set(label, dataOnly);
  }

  function upsert(itemId: string, vector: Vector): void {
    checkIndexVector(itemId, vector, dim);
    const existing = labels.labelFor(itemId);
    if (existing !== undefined) move(existing, toPoint(vector), false);
    else insert(itemId, toPoint(vector));
  }

  /** Builds for about budgetMs; true when nothing is left to build. */
  function rebuildStep(budgetMs: number): boolean {
    if (job === undefined) {
      if (stale.size === 0) return true;
      job = startJob();
    }
    const started = performance.now();
    const { order, inFresh, fresh } = job;
    do {
      if (job.next >= order.length) {
        finishJob(job);
        job = undefined;
        return true;
      }
      const label = order[job.next++]!;
      if (labels.idOfLabel[label] === undefined) continue; // removed since the build started
      fresh.addPoint(readPoint(native, label, scratch), label);
      inFresh[label] = 1;
    } while (performance.now() - started < budgetMs);
    return false;
  }

  function startJob(): RebuildJob {
    const order = labels.pairs().map(([label]) => label);
    const efConstruction = efConstructionFor(opts.efConstruction, labels.size);
    const fresh = emptyGraph(opts, Math.max(native.getMaxElements(), labels.size), efConstruction);
    // From here on stale counts against the fresh graph: every point is built from its data now.
    stale = new Set();
    return { fresh, efConstruction, order, next: 0, inFresh: new Uint8Array(labels.nextLabel), moved: new Map() };
  }

  /** The changes made while the build ran, then the swap. */
  function finishJob({ fresh, efConstruction, order, inFresh, moved }: RebuildJob): void {
    let removed = 0;
    for (const label of order) {
      if (inFresh[label] !== 1 || labels.idOfLabel[label] !== undefined) continue;
      fresh.markDelete(label); // built, then removed while the build ran
      removed++;
    }
    const live = labels.pairs();
    if (fresh.getMaxElements() < live.length) fresh.resizeIndex(live.length);
    for (const [label] of live) {
      if (inFresh[label] === 1) continue;
      fresh.addPoint(readPoint(native, label, scratch), label); // added since the build started
      inFresh[label] = 2;
    }
    for (const [label, dataOnly] of moved) {
      if (inFresh[label] !== 1 || labels.idOfLabel[label] === undefined) continue;
      moveIn(fresh, label, readPoint(native, label, scratch), dataOnly);
    }
    native = fresh;
    builtWith = efConstruction;
    deleted = removed;
  }

  /** upsert of every change; past MOVE_BATCH changes, known points move their data and the graph is rebuilt (now or later). */
  function upsertMany(changes: ReadonlyMap<string, Vector>): void {
    for (const [itemId, vector] of changes) checkIndexVector(itemId, vector, dim);
    if (changes.size < MOVE_BATCH) {
      for (const [itemId, vector] of changes) upsert(itemId, vector);
      return;
    }
    for (const [itemId, vector] of changes) {
      const existing = labels.labelFor(itemId);
      if (existing !== undefined) move(existing, toPoint(vector), true);
      else insert(itemId, toPoint(vector));
    }
    if (opts.rebuild === 'now') while (!rebuildStep(Number.POSITIVE_INFINITY));
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
    get efConstructionNow() {
      return builtWith;
    },
    upsertMany,
    upsert,
    remove(itemId) {
      const label = labels.labelFor(itemId);
      if (label === undefined) return false;
      native.markDelete(label);
      labels.remove(itemId);
      mask.untrack(label);
      stale.delete(label);
      deleted++;
      return true;
    },
    get stale() {
      return stale.size;
    },
    get rebuilding() {
      return job !== undefined;
    },
    rebuildStep,
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
      if (label === undefined) return undefined;
      const out = new Float32Array(dim);
      const point = readPoint(native, label, out);
      return point === out ? out : Float32Array.from(point);
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
        efConstruction: builtWith,
        ...(opts.efConstruction === 'auto' ? { rebuildEfConstruction: 'auto' as const } : {}),
        efSearch: opts.efSearch,
        seed: opts.seed,
        nextLabel: labels.nextLabel,
        labels: labels.pairs(),
      };
    },
  };
}

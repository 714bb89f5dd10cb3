import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AnnIndex } from '../core/ann-index.ts';
import { loadHnswIndex, readSnapshotState, removeSnapshotState, saveHnswIndex, writeSnapshotState, type SnapshotState } from '../adapters/fs/hnsw-snapshot.ts';
import { createHnswIndex, HNSW_NATIVE_MASK, type EfSearch, type HnswIndex } from '../core/hnsw-index.ts';
import { normalized, type Vector } from '../core/vector.ts';
import type { Logger } from '../log.ts';

export interface ServingIndex extends AnnIndex {
  /** True when the graph came from a snapshot (the tail then only confirms and patches it). */
  readonly fromSnapshot: boolean;
  /** Starts recording which ids the item-embeddings replay confirms. */
  beginReplay(): void;
  /** Removes ids the replay did not confirm (deleted while this process was away); returns how many. */
  endReplay(): number;
  /**
   * Writes the snapshot (atomic per file) and, when given, the topic state it is current
   * with; rewrites only what changed since it was loaded or last saved, nothing when
   * snapshots are off.
   */
  saveSnapshot(state?: SnapshotState): void;
  /** The topic state the loaded snapshot was saved with, if any. */
  readonly snapshotState: SnapshotState | undefined;
  readonly efSearch: EfSearch;
  /** Points moved without relinking that a rebuild has yet to relink (HnswIndex.stale). */
  readonly stale: number;
  /** Graphs rebuilt in the background since start. */
  readonly rebuilds: number;
  /** Stops the background rebuild (a build under way is dropped; the old graph keeps serving). */
  close(): void;
}

/**
 * A refit's records arrive over several batches: the rebuild starts once they stop for this
 * long, so one build relinks the whole refit.
 */
const REBUILD_QUIET_MS = 500;
/**
 * Each slice of a background rebuild inserts points for about this long before the event loop
 * gets its turn: the added delay a request may see while a graph is being rebuilt.
 */
const REBUILD_SLICE_MS = 5;

/**
 * The API's index: HNSW plus a JS map of the unit vectors beside it, for two reasons.
 * Reading a vector back out of hnswlib costs a native call and a copy (~10 µs); the user
 * query reads a dozen history vectors per request, so they come from the map (a snapshot's
 * vectors are read back on first use). And an upsert of a vector the graph already holds
 * is skipped, which is what makes a restart from a snapshot fast: the replay of the
 * compacted item-embeddings topic then inserts only what changed instead of rebuilding
 * 100k graph nodes.
 */
export function openServingIndex(dim: number, snapshotDir: string | undefined, topic: string, log: Logger, efSearch?: EfSearch): ServingIndex {
  // An undefined efSearch keeps hnsw-index.ts's default (or, for a snapshot, the width it was
  // saved with). A refit moves points' data at once and relinks them in a background rebuild
  // (below), whose build width follows the catalogue's size, also over a snapshot saved before that.
  const options = { ...(efSearch === undefined ? {} : { efSearch }), efConstruction: 'auto' as const, rebuild: 'deferred' as const };
  const path = snapshotDir === undefined ? undefined : join(snapshotDir, `${topic}.d${dim}.hnsw`);
  let inner: HnswIndex | undefined;
  if (path !== undefined && existsSync(path)) {
    try {
      const loaded = loadHnswIndex(path, options);
      if (loaded.dim === dim) inner = loaded;
      else log.warn({ path, dim: loaded.dim, expected: dim }, 'index snapshot has another dimension; rebuilding');
    } catch (err) {
      log.warn({ path, err: (err as Error).message }, 'index snapshot unreadable; rebuilding from the topic');
    }
  }
  if (!HNSW_NATIVE_MASK) {
    log.warn(
      { patch: 'patches/hnswlib-node+3.0.0.patch' },
      "hnswlib-node is not patched: filtered searches call into JS per candidate (about 30% slower); run `npm ci`, whose postinstall applies the patch and rebuilds the addon",
    );
  }
  const fromSnapshot = inner !== undefined;
  const graph = inner ?? createHnswIndex({ dim, capacity: 4096, ...options });
  // Unit vectors of the ids in the graph, filled on first use.
  const vectors = new Map<string, Vector>();
  const unitOf = (itemId: string): Vector | undefined => {
    let unit = vectors.get(itemId);
    if (unit === undefined) {
      const v = graph.vectorOf(itemId);
      if (v === undefined) return undefined;
      unit = normalized(v);
      vectors.set(itemId, unit);
    }
    return unit;
  };
  const snapshotState = fromSnapshot && path !== undefined ? readSnapshotState(path) : undefined;
  let savedState = snapshotState === undefined ? undefined : JSON.stringify(snapshotState);
  if (fromSnapshot) log.info({ path, items: graph.size }, 'index loaded from snapshot');
  let confirmed: Set<string> | undefined;
  // Confirms the id to a replay; the new unit vector, or undefined when the graph holds it already.
  const changedUnit = (itemId: string, vector: Vector): Vector | undefined => {
    confirmed?.add(itemId);
    const unit = normalized(vector);
    const known = unitOf(itemId);
    return known && nearlyEqual(known, unit) ? undefined : unit;
  };
  // Whether the graph differs from the snapshot file: hidden marks are not part of it, so only
  // graph changes count. A one-shot process (inspect) then rewrites nothing it did not change.
  let unsaved = !fromSnapshot;

  // The background rebuild: after a quiet spell following moves, slices of REBUILD_SLICE_MS on
  // unref'd timers (a process that is stopping does not wait for them).
  let rebuilds = 0;
  let closed = false;
  let quiet: NodeJS.Timeout | undefined;
  let buildStartedMs = 0;
  const slice = (): void => {
    if (closed) return;
    if (!graph.rebuilding) buildStartedMs = Date.now();
    if (!graph.rebuildStep(REBUILD_SLICE_MS)) {
      setTimeout(slice, 0).unref();
      return;
    }
    rebuilds++;
    unsaved = true;
    log.info({ items: graph.size, stale: graph.stale, ms: Date.now() - buildStartedMs }, 'index graph rebuilt after a refit');
    if (graph.stale > 0) scheduleRebuild();
  };
  const scheduleRebuild = (): void => {
    if (closed || graph.rebuilding) return; // a build under way takes later moves along at its end
    if (quiet) clearTimeout(quiet);
    quiet = setTimeout(slice, REBUILD_QUIET_MS).unref();
  };

  return {
    dim,
    fromSnapshot,
    snapshotState,
    efSearch: graph.efSearch,
    get size() {
      return graph.size;
    },
    get stale() {
      return graph.stale;
    },
    get rebuilds() {
      return rebuilds;
    },
    close() {
      closed = true;
      if (quiet) clearTimeout(quiet);
    },
    upsertMany(changes) {
      const moved = new Map<string, Vector>();
      for (const [itemId, vector] of changes) {
        const unit = changedUnit(itemId, vector);
        if (unit === undefined) continue;
        moved.set(itemId, vector);
        vectors.set(itemId, unit);
      }
      if (moved.size === 0) return;
      graph.upsertMany(moved);
      unsaved = true;
      if (graph.stale > 0) scheduleRebuild();
    },
    upsert(itemId, vector) {
      const unit = changedUnit(itemId, vector);
      if (unit === undefined) return;
      graph.upsert(itemId, vector);
      vectors.set(itemId, unit);
      unsaved = true;
    },
    remove(itemId) {
      confirmed?.delete(itemId);
      vectors.delete(itemId);
      const removed = graph.remove(itemId);
      if (removed) unsaved = true;
      return removed;
    },
    has: (itemId) => graph.has(itemId),
    setHidden: (itemId, hidden) => graph.setHidden(itemId, hidden),
    search: (query, k, accept) => graph.search(query, k, accept),
    vectorOf: unitOf,
    idsWithHash: (hash) => graph.idsWithHash(hash),
    ids: () => graph.ids(),
    beginReplay() {
      confirmed = new Set();
    },
    endReplay() {
      const seen = confirmed;
      confirmed = undefined;
      if (!seen) return 0;
      let removed = 0;
      for (const id of [...graph.ids()]) {
        if (!seen.has(id)) {
          vectors.delete(id);
          graph.remove(id);
          removed++;
          unsaved = true;
        }
      }
      return removed;
    },
    saveSnapshot(state) {
      if (path === undefined) return;
      // Stale points' links are not in the file's graph and a loaded graph would not know them
      // stale: the snapshot (graph and the topic state it is current with) waits for the rebuild.
      if (graph.stale > 0 || graph.rebuilding) return;
      const stateText = state === undefined ? undefined : JSON.stringify(state);
      if (unsaved) {
        // A state file always describes the graph beside it: the old one goes first.
        removeSnapshotState(path);
        savedState = undefined;
        mkdirSync(snapshotDir!, { recursive: true });
        saveHnswIndex(graph, path);
        unsaved = false;
      }
      if (state !== undefined && stateText !== savedState) {
        writeSnapshotState(path, state);
        savedState = stateText;
      }
    },
  };
}

// Float32 round trips through hnswlib's normalisation differ in the last bits only.
function nearlyEqual(a: Vector, b: Vector): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > 1e-6) return false;
  return true;
}

const SNAPSHOT_FILE = /^(.+)\.d\d+\.hnsw(?:\.ids\.json|\.state\.json)?$/;

/**
 * Deletes snapshots of topics that no longer exist (tests and benchmarks use throwaway
 * topics; their snapshots would otherwise pile up in the state directory). Returns the
 * number of files removed; never throws.
 */
export function pruneOrphanSnapshots(snapshotDir: string | undefined, liveTopics: ReadonlySet<string>, log: Logger): number {
  if (snapshotDir === undefined || !existsSync(snapshotDir)) return 0;
  let removed = 0;
  try {
    for (const name of readdirSync(snapshotDir)) {
      const topic = SNAPSHOT_FILE.exec(name)?.[1];
      if (topic === undefined || liveTopics.has(topic)) continue;
      rmSync(join(snapshotDir, name), { force: true });
      removed++;
    }
  } catch (err) {
    log.warn({ snapshotDir, err: (err as Error).message }, 'could not prune index snapshots of deleted topics');
  }
  if (removed > 0) log.info({ snapshotDir, removed }, 'index snapshots of deleted topics removed');
  return removed;
}

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { restoreHnswIndex, type HnswIdMap, type HnswIndex, type HnswOverrides } from '../../core/hnsw-index.ts';
import { StreamrecError } from '../../errors.ts';

/** Writes the graph to `path` and the id map next to it (`path.ids.json`), each atomically. */
export function saveHnswIndex(index: HnswIndex, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  index.writeGraph(tmp);
  writeFileSync(`${tmp}.ids.json`, JSON.stringify(index.idMap()));
  renameSync(tmp, path);
  renameSync(`${tmp}.ids.json`, `${path}.ids.json`);
}

/** Restores an index written by saveHnswIndex; throws MODEL_MISSING with a hint when files are absent or foreign. */
export function loadHnswIndex(path: string, overrides: HnswOverrides = {}): HnswIndex {
  const idsPath = `${path}.ids.json`;
  if (!existsSync(path) || !existsSync(idsPath)) {
    throw new StreamrecError('MODEL_MISSING', `no HNSW snapshot at ${path}`, { hint: 'run `streamrec train` to create one' });
  }
  let meta: HnswIdMap;
  try {
    meta = JSON.parse(readFileSync(idsPath, 'utf8')) as HnswIdMap;
  } catch (err) {
    throw new StreamrecError('MODEL_MISSING', `HNSW id map ${idsPath} is not readable JSON`, { cause: err, hint: 'retrain to rewrite the snapshot' });
  }
  if (meta.format !== 'streamrec-hnsw-ids' || meta.version !== 1 || !Array.isArray(meta.labels)) {
    throw new StreamrecError('MODEL_MISSING', `${idsPath} is not a streamrec HNSW id map (version 1)`, { hint: 'retrain to rewrite the snapshot' });
  }
  return restoreHnswIndex(path, meta, overrides);
}

/**
 * The topic state a snapshot is current with: every record below `positions` of topic
 * `topicId` is in the graph, and nothing else came from the topic. With the topic's high
 * watermarks still at `positions`, a reader needs no replay.
 */
export interface SnapshotState {
  /** The broker's topic id (a topic deleted and created again under the name has another). */
  topicId: string;
  /** [partition, offset] pairs. */
  positions: Array<[number, number]>;
  /** The train version whose vectors the graph holds. */
  modelVersion: string;
}

const statePath = (path: string) => `${path}.state.json`;

/** The state saved beside the snapshot at `path`; undefined when absent or unreadable (a replay then decides). */
export function readSnapshotState(path: string): SnapshotState | undefined {
  try {
    const state = JSON.parse(readFileSync(statePath(path), 'utf8')) as Partial<SnapshotState>;
    if (typeof state.topicId !== 'string' || typeof state.modelVersion !== 'string' || !Array.isArray(state.positions)) return undefined;
    return { topicId: state.topicId, positions: state.positions, modelVersion: state.modelVersion };
  } catch {
    return undefined;
  }
}

export function writeSnapshotState(path: string, state: SnapshotState): void {
  const tmp = `${statePath(path)}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, statePath(path));
}

export function removeSnapshotState(path: string): void {
  rmSync(statePath(path), { force: true });
}

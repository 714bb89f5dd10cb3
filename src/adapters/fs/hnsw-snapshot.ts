import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { restoreHnswIndex, type EfSearch, type HnswIdMap, type HnswIndex } from '../../core/hnsw-index.ts';
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
export function loadHnswIndex(path: string, overrides: { efSearch?: EfSearch } = {}): HnswIndex {
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

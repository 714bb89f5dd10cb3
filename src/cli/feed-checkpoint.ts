import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { StreamrecError } from '../errors.ts';

/**
 * Where a feed of one file got to. The feed order is fixed by the file's bytes and the
 * options below (reading is deterministic and the time sort is stable), so "the first
 * `eventsAcked` events of that order are in Kafka" is a complete resume point, whether the
 * file was sorted or streamed in file order.
 */
export interface FeedCheckpoint {
  version: 1;
  /** Absolute path of the data file. */
  path: string;
  size: number;
  mtimeMs: number;
  format: string;
  sorted: boolean;
  sessionAsUser: boolean;
  fromLine: number;
  /** Events of the feed order acknowledged by the broker. */
  eventsAcked: number;
  /** True once the whole file was acknowledged: a rerun produces nothing. */
  complete: boolean;
  updatedAt: string;
}

export type FeedIdentity = Pick<FeedCheckpoint, 'path' | 'size' | 'mtimeMs' | 'format' | 'sorted' | 'sessionAsUser' | 'fromLine'>;

export function feedIdentity(file: string, options: Pick<FeedCheckpoint, 'format' | 'sorted' | 'sessionAsUser' | 'fromLine'>): FeedIdentity {
  const stat = statSync(file);
  return { path: resolve(file), size: stat.size, mtimeMs: stat.mtimeMs, ...options };
}

/** The checkpoint at `checkpointPath` for this feed, undefined if there is none; throws if it is another feed's. */
export function readFeedCheckpoint(checkpointPath: string, identity: FeedIdentity): FeedCheckpoint | undefined {
  let text: string;
  try {
    text = readFileSync(checkpointPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let cp: FeedCheckpoint;
  try {
    cp = JSON.parse(text) as FeedCheckpoint;
  } catch {
    throw new StreamrecError('BAD_ARGUMENT', `${checkpointPath} is not a feed checkpoint (not JSON)`, { hint: 'pass another --checkpoint file or delete this one' });
  }
  const differs = (Object.keys(identity) as Array<keyof FeedIdentity>).filter((k) => cp[k] !== identity[k]);
  if (cp.version !== 1 || !Number.isSafeInteger(cp.eventsAcked) || cp.eventsAcked < 0) {
    throw new StreamrecError('BAD_ARGUMENT', `${checkpointPath} is not a feed checkpoint this version reads`, { hint: 'delete it to feed the file from the start' });
  }
  if (differs.length > 0) {
    throw new StreamrecError('BAD_ARGUMENT', `${checkpointPath} belongs to another feed (${differs.map((k) => `${k} ${String(cp[k])} ≠ ${String(identity[k])}`).join(', ')})`, {
      hint: 'the file changed or other options were passed: delete the checkpoint to feed from the start, or pass the same options',
    });
  }
  return cp;
}

/** Atomic: written beside the target, then renamed over it, so a crash leaves the old or the new one. */
export function writeFeedCheckpoint(checkpointPath: string, identity: FeedIdentity, eventsAcked: number, complete: boolean): void {
  const cp: FeedCheckpoint = { version: 1, ...identity, eventsAcked, complete, updatedAt: new Date().toISOString() };
  const tmp = `${checkpointPath}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(cp, null, 2)}\n`);
  renameSync(tmp, checkpointPath);
}

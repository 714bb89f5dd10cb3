import type { Redis } from 'ioredis';
import { coldSnapshotFor, type ColdChoiceParams, type ColdRestore } from '../../core/cold-choice.ts';
import type { FirstSeenSnapshot } from '../../core/first-seen.ts';
import type { Logger } from '../../log.ts';
import { msgpack } from '../msgpack.ts';
import type { RedisKeys } from './keys.ts';
import { readSavedRecord } from './saved-record.ts';
import { startPeriodicSave, type PeriodicSave } from './periodic-save.ts';

/** How an API process's cold choice is stored: the snapshot and where in which topic it stopped. */
interface ColdRecord {
  topic: string;
  cold: unknown;
  /** [partition, offset after the last event the horizons hold]. */
  nextOffsets: Array<[number, number]>;
}

/**
 * Items kept per horizon in a save: cold users are served a horizon's top 10, and an item
 * outside the top 10,000 of a 30- or 365-day horizon does not climb into it within one restart
 * unless its new events would lift it from zero anyway. A save is ~0.2 MB per horizon (10,000
 * ids of ~11 characters, measured).
 */
export const COLD_ITEMS_PER_HORIZON = 10_000;

/**
 * The cold choice the API processes saved, for a starting one to carry on from; undefined when
 * none was saved or the record does not fit (logged with the reason: the process then starts
 * its longer horizons from the clickstream's lookback, as without a save).
 */
export async function loadColdChoice(redis: Redis, keys: RedisKeys, topic: string, params: ColdChoiceParams, mainHalfLifeMs: number, log: Logger): Promise<ColdRestore | undefined> {
  const key = keys.apiCold();
  const saved = await readSavedRecord(redis, key, log, 'saved cold-user choice not read; its longer horizons start from the lookback');
  if (saved === undefined) return undefined;
  const record = saved.value as Partial<ColdRecord> | null | undefined;
  const ignore = (reason: string) => {
    log.warn({ key, reason }, 'saved cold-user choice ignored; its longer horizons start from the lookback (the next save replaces it)');
    return undefined;
  };
  if (record === null || record === undefined || typeof record !== 'object') return ignore('not a msgpack record');
  if (record.topic !== topic) return ignore(`saved from topic ${String(record.topic)}, this process reads ${topic}`);
  const offsets = record.nextOffsets;
  if (!Array.isArray(offsets) || !offsets.every((o) => Array.isArray(o) && o.length === 2 && Number.isInteger(o[0]) && o[0] >= 0 && Number.isInteger(o[1]) && o[1] >= 0)) {
    return ignore('offsets are not [partition, offset] pairs of non-negative integers');
  }
  const snapshot = coldSnapshotFor(record.cold, params, mainHalfLifeMs);
  if (typeof snapshot === 'string') return ignore(snapshot);
  const users = await loadUsers(redis, keys, log);
  return { snapshot, nextOffsets: new Map(offsets), ...(users ? { users } : {}) };
}

/**
 * The users saved beside the cold choice (ColdRestore.users): `{ format, version, newer, older }`,
 * each generation a msgpack bin of 32-bit hashes in the machine's byte order (little-endian on
 * every platform Node ships for x64 and arm64), 4 bytes a user: at most 8 MB at first-seen.ts's
 * default of 1,000,000 users per generation.
 */
interface UsersRecord {
  format: 'streamrec-first-seen';
  version: 1;
  newer: Uint8Array;
  older: Uint8Array;
}

async function loadUsers(redis: Redis, keys: RedisKeys, log: Logger): Promise<FirstSeenSnapshot | undefined> {
  const key = keys.apiColdUsers();
  const notUsed = 'saved first-seen users not used; visitors returning from before the lookback count as newcomers until the next save';
  const saved = await readSavedRecord(redis, key, log, notUsed);
  if (saved === undefined) return undefined;
  const users = usersFrom(saved.value);
  if (typeof users === 'string') {
    log.warn({ key, reason: users }, notUsed);
    return undefined;
  }
  return users;
}

/** The saved users as hashes, or why not. */
function usersFrom(value: unknown): FirstSeenSnapshot | string {
  const v = value as Partial<UsersRecord> | null | undefined;
  if (v === null || typeof v !== 'object' || v.format !== 'streamrec-first-seen' || v.version !== 1) return 'not a streamrec first-seen record (version 1)';
  const out: Partial<FirstSeenSnapshot> = {};
  for (const name of ['newer', 'older'] as const) {
    const bytes: unknown = v[name];
    if (!(bytes instanceof Uint8Array) || bytes.byteLength % 4 !== 0) return `${name} is not a binary of 4-byte hashes`;
    // Copied: a bin unpacked from a larger buffer need not start at a multiple of 4.
    out[name] = new Int32Array(Uint8Array.prototype.slice.call(bytes).buffer);
  }
  return out as FirstSeenSnapshot;
}

const bytesOf = (hashes: Int32Array): Uint8Array => new Uint8Array(hashes.buffer, hashes.byteOffset, hashes.byteLength);

/**
 * How often the users are saved: users seen since the last save are in the next start's lookback
 * (`lookbackMs`), so a save every half of it loses none, and an hour keeps the copy rare: taking
 * and packing it held the event loop 4–12 ms at 1,000 or 100,000 users and 70–130 ms at
 * 2,000,000 (8 MB), measured on the 2-core dev VM.
 */
export function usersSaveEveryMs(lookbackMs: number): number {
  return Math.max(60_000, Math.min(3_600_000, Math.floor(lookbackMs / 2)));
}

/**
 * Saves the cold choice periodically and at stop, and with it, every `users.everyMs` and at
 * stop, the users its entry trackers had seen; several API processes overwrite one another
 * (each save is whole, and each process reads the whole clickstream).
 */
export function startColdSaver(
  redis: Redis,
  keys: RedisKeys,
  topic: string,
  snapshot: () => ColdRestore,
  log: Logger,
  options: { saveEveryMs?: number; users?: { snapshot: () => FirstSeenSnapshot; everyMs: number } } = {},
): PeriodicSave {
  const { saveEveryMs = 60_000, users } = options;
  let usersSavedAtMs = Date.now();
  let stopping = false;
  const save = async () => {
    try {
      const { snapshot: cold, nextOffsets } = snapshot();
      // Nothing read yet: a save would only replace a predecessor's with less.
      if (nextOffsets.size === 0) return;
      const record: ColdRecord = { topic, cold, nextOffsets: [...nextOffsets] };
      await redis.set(keys.apiCold(), msgpack.pack(record));
      if (users && (stopping || Date.now() - usersSavedAtMs >= users.everyMs)) {
        usersSavedAtMs = Date.now();
        const { newer, older } = users.snapshot();
        const saved: UsersRecord = { format: 'streamrec-first-seen', version: 1, newer: bytesOf(newer), older: bytesOf(older) };
        await redis.set(keys.apiColdUsers(), msgpack.pack(saved));
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not save the cold-user choice; will retry');
    }
  };
  const periodic = startPeriodicSave(save, saveEveryMs);
  return {
    save: periodic.save,
    async stop() {
      stopping = true;
      await periodic.stop();
    },
  };
}

import type { Redis } from 'ioredis';
import { coldSnapshotFor, type ColdChoiceParams, type ColdRestore } from '../../core/cold-choice.ts';
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
  return { snapshot, nextOffsets: new Map(offsets) };
}

/** Saves the cold choice periodically and at stop; several API processes overwrite one another (each save is whole). */
export function startColdSaver(redis: Redis, keys: RedisKeys, topic: string, snapshot: () => ColdRestore, log: Logger, saveEveryMs = 60_000): PeriodicSave {
  const save = async () => {
    try {
      const { snapshot: cold, nextOffsets } = snapshot();
      // Nothing read yet: a save would only replace a predecessor's with less.
      if (nextOffsets.size === 0) return;
      const record: ColdRecord = { topic, cold, nextOffsets: [...nextOffsets] };
      await redis.set(keys.apiCold(), msgpack.pack(record));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not save the cold-user choice; will retry');
    }
  };
  return startPeriodicSave(save, saveEveryMs);
}

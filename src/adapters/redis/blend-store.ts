import type { Redis } from 'ioredis';
import { blendLabels, blendSnapshotFor, type BlendChoiceParams, type BlendSnapshot } from '../../core/blend-choice.ts';
import type { Logger } from '../../log.ts';
import { msgpack } from '../msgpack.ts';
import type { RedisKeys } from './keys.ts';
import { readSavedRecord } from './saved-record.ts';
import { startPeriodicSave, type PeriodicSave } from './periodic-save.ts';

/**
 * The blend credits a learner group saved (core/blend-choice.ts), for a restarted learner to
 * carry on from and an API process to start from; undefined when none was saved or the record
 * does not fit this model (logged with the reason: the process then starts from the default).
 */
export async function loadBlend(redis: Redis, keys: RedisKeys, groupId: string, params: BlendChoiceParams, log: Logger): Promise<BlendSnapshot | undefined> {
  const saved = await readSavedRecord(redis, keys.learnerBlend(groupId), log, 'saved blend choice not read; starting from the default blend');
  if (saved === undefined) return undefined;
  const snapshot = blendSnapshotFor(saved.value, params);
  if (typeof snapshot === 'string') {
    log.warn({ key: keys.learnerBlend(groupId), reason: snapshot }, 'saved blend choice ignored; starting from the default blend (the next save replaces it)');
    return undefined;
  }
  log.info({ blend: blendLabels(params)[snapshot.chosen], credited: Math.round(snapshot.credited) }, 'blend choice restored from Redis');
  return snapshot;
}

/**
 * Saves a learner's blend credits periodically and at stop. Each learner credits its own
 * partitions' users, a fair sample of the stream, so the last one saved will do for any.
 */
export function startBlendSaver(redis: Redis, keys: RedisKeys, groupId: string, snapshot: () => BlendSnapshot | undefined, log: Logger, saveEveryMs = 60_000): PeriodicSave {
  const save = async () => {
    const s = snapshot();
    if (s === undefined || !(s.credited > 0)) return;
    try {
      await redis.set(keys.learnerBlend(groupId), msgpack.pack(s));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not save the blend choice; will retry');
    }
  };
  return startPeriodicSave(save, saveEveryMs);
}

import type { Redis } from 'ioredis';
import { createTrending, type Trending, type TrendingSnapshot } from '../../core/trending.ts';
import type { Logger } from '../../log.ts';
import { msgpack } from '../msgpack.ts';
import type { RedisKeys } from './keys.ts';
import { startPeriodicSave, type PeriodicSave } from './periodic-save.ts';

export interface PersistedTrending extends PeriodicSave {
  readonly trending: Trending;
}

/**
 * A learner's trending scores, restored from Redis at start and saved periodically and at
 * stop. Each learner only sees its own partitions; users are hashed over partitions, so
 * any learner's view is a fair sample of the whole stream and the last saved one will do.
 */
export async function openPersistedTrending(
  redis: Redis,
  keys: RedisKeys,
  groupId: string,
  halfLifeMs: number,
  log: Logger,
  saveEveryMs = 60_000,
): Promise<PersistedTrending> {
  const key = keys.learnerTrending(groupId);
  let trending: Trending;
  try {
    const bytes = await redis.getBuffer(key);
    const snapshot = bytes ? (msgpack.unpack(bytes) as TrendingSnapshot) : undefined;
    trending = createTrending(halfLifeMs, snapshot?.halfLifeMs === halfLifeMs ? snapshot : undefined);
    if (snapshot) log.info({ items: trending.size }, 'trending restored from Redis');
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'saved trending unreadable; starting empty');
    trending = createTrending(halfLifeMs);
  }
  const save = async () => {
    try {
      if (trending.size > 0) await redis.set(key, msgpack.pack(trending.toJSON()));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not save trending; will retry');
    }
  };
  return { trending, ...startPeriodicSave(save, saveEveryMs) };
}

import type { Redis } from 'ioredis';
import { StreamrecError } from '../../errors.ts';
import type { RedisKeys } from './keys.ts';

export interface DeletedState {
  users: number;
  model: number;
  trending: number;
}

/**
 * Deletes what the engine learned from the clickstream under this key prefix (keys.ts
 * learnedStatePatterns): SCAN + UNLINK, never KEYS, so a shared Redis is not blocked.
 * Returns how many keys of each kind went.
 */
export async function deleteLearnedState(redis: Redis, keys: RedisKeys): Promise<DeletedState> {
  const patterns = keys.learnedStatePatterns();
  const out: DeletedState = { users: 0, model: 0, trending: 0 };
  try {
    for (const kind of ['users', 'model', 'trending'] as const) {
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', patterns[kind], 'COUNT', 1000);
        cursor = next;
        if (found.length > 0) out[kind] += await redis.unlink(...found);
      } while (cursor !== '0');
    }
  } catch (err) {
    throw new StreamrecError('REDIS_UNAVAILABLE', `cannot delete the learned state in Redis: ${(err as Error).message}`, { cause: err, hint: 'check that Redis answers at REDIS_URL' });
  }
  return out;
}

import type { Redis } from 'ioredis';
import type { Logger } from '../../log.ts';
import { msgpack } from '../msgpack.ts';

/**
 * The msgpack record a process saved at `key` for its successor: `{ value }` (value undefined when
 * the bytes do not unpack: the caller's validation says why it cannot use it), or undefined when
 * none is saved. A failed read is logged with `notRead` (what the process does without it) and
 * counts as none: a saved record only spares a warm-up.
 */
export async function readSavedRecord(redis: Redis, key: string, log: Logger, notRead: string): Promise<{ value: unknown } | undefined> {
  let bytes: Buffer | null;
  try {
    bytes = await redis.getBuffer(key);
  } catch (err) {
    log.warn({ key, err: (err as Error).message }, notRead);
    return undefined;
  }
  if (bytes === null) return undefined;
  try {
    return { value: msgpack.unpack(bytes) as unknown };
  } catch {
    return { value: undefined };
  }
}

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { isEventType } from '../../core/events.ts';
import type { UserStateStore } from '../../core/stores.ts';
import type { HistoryEntry, UserState } from '../../core/user-state.ts';
import { vectorFromBytes, vectorToBytes } from '../../core/vector.ts';
import { StreamrecError } from '../../errors.ts';
import { msgpack } from '../kafka/codec.ts';
import type { RedisKeys } from './keys.ts';

const COMMIT_LUA = readFileSync(new URL('./commit-user-state.lua', import.meta.url), 'utf8');
const COMMIT_SHA = createHash('sha1').update(COMMIT_LUA).digest('hex');

/**
 * UserStateStore on Redis. Per user: a msgpack record (vector as raw Float32 bytes,
 * history as [itemId, type, ts] triples) and a "partition:offset" position key in the
 * same hash slot. Reads are one pipeline of GETs; a commit is one pipeline of EVALSHA
 * calls of commit-user-state.lua, which writes only positions past the stored one.
 */
export function createRedisUserStore(redis: Redis, keys: RedisKeys): UserStateStore {
  let scriptLoaded = false;

  const getMany = async (userIds: readonly string[]): Promise<Map<string, UserState>> => {
    const out = new Map<string, UserState>();
    if (userIds.length === 0) return out;
    const pipeline = redis.pipeline();
    for (const id of userIds) pipeline.getBuffer(keys.user(id));
    const results = await execPipeline(pipeline, 'read user states');
    results.forEach((value, i) => {
      if (value instanceof Buffer) out.set(userIds[i]!, decodeUserRecord(value));
    });
    return out;
  };

  const runCommit = async (states: readonly UserState[]): Promise<string[]> => {
    const pipeline = redis.pipeline();
    for (const s of states) {
      const p = s.position;
      pipeline.evalsha(
        COMMIT_SHA,
        2,
        keys.user(s.userId),
        keys.userPosition(s.userId),
        p === undefined ? '' : String(p.partition),
        p === undefined ? '0' : String(p.offset),
        encodeUserRecord(s),
      );
    }
    const results = await execPipeline(pipeline, 'commit user states');
    return states.filter((_, i) => results[i] === 1).map((s) => s.userId);
  };

  return {
    async get(userId) {
      return (await getMany([userId])).get(userId);
    },
    getMany,
    async commit(states) {
      if (states.length === 0) return [];
      if (!scriptLoaded) {
        await wrap(redis.script('LOAD', COMMIT_LUA), 'load the commit script');
        scriptLoaded = true;
      }
      try {
        return await runCommit(states);
      } catch (err) {
        // A restarted Redis forgot the script. The script is idempotent (position check),
        // so loading it and running the whole pipeline again is safe.
        if (!(err instanceof StreamrecError) || !String((err.cause as Error | undefined)?.message).includes('NOSCRIPT')) throw err;
        await wrap(redis.script('LOAD', COMMIT_LUA), 'load the commit script');
        return runCommit(states);
      }
    },
  };
}

type Pipeline = ReturnType<Redis['pipeline']>;

async function execPipeline(pipeline: Pipeline, what: string): Promise<unknown[]> {
  const results = await wrap(pipeline.exec(), what);
  if (results === null) throw unavailable(what, new Error('pipeline was discarded'));
  return results.map(([err, value]) => {
    if (err) throw unavailable(what, err);
    return value;
  });
}

async function wrap<T>(promise: Promise<T>, what: string): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw err instanceof StreamrecError ? err : unavailable(what, err);
  }
}

function unavailable(what: string, cause: unknown): StreamrecError {
  return new StreamrecError('REDIS_UNAVAILABLE', `cannot ${what} in Redis: ${(cause as Error).message}`, {
    retryable: true,
    cause,
    hint: 'check that Redis answers at REDIS_URL',
  });
}

interface UserRecord {
  v: 1;
  userId: string;
  vector: Uint8Array;
  lastEventTs: number;
  updatedAtMs: number;
  eventCount: number;
  history: Array<[string, string, number]>;
  seen: string[];
  /** [partition, offset] or null. */
  pos: [number, number] | null;
}

export function encodeUserRecord(s: UserState): Buffer {
  const record: UserRecord = {
    v: 1,
    userId: s.userId,
    vector: vectorToBytes(s.vector),
    lastEventTs: s.lastEventTs,
    updatedAtMs: s.updatedAtMs,
    eventCount: s.eventCount,
    history: s.history.map((h) => [h.itemId, h.type, h.ts]),
    seen: s.seen,
    pos: s.position === undefined ? null : [s.position.partition, s.position.offset],
  };
  return msgpack.pack(record);
}

export function decodeUserRecord(bytes: Buffer): UserState {
  const r = msgpack.unpack(bytes) as UserRecord;
  if (r === null || typeof r !== 'object' || r.v !== 1 || !(r.vector instanceof Uint8Array)) {
    throw new StreamrecError('INTERNAL', 'stored user record has an unknown layout', {
      hint: 'the key prefix may be shared with another program or an incompatible version',
    });
  }
  const history: HistoryEntry[] = [];
  for (const [itemId, type, ts] of r.history) if (isEventType(type)) history.push({ itemId, type, ts });
  return {
    userId: r.userId,
    vector: vectorFromBytes(r.vector),
    lastEventTs: r.lastEventTs,
    updatedAtMs: r.updatedAtMs,
    eventCount: r.eventCount,
    history,
    seen: r.seen,
    position: r.pos === null ? undefined : { partition: r.pos[0], offset: r.pos[1] },
  };
}

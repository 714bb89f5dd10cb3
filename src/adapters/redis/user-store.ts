import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { EVENT_TYPES, isEventType, type EventType } from '../../core/events.ts';
import { itemHash } from '../../core/item-hash.ts';
import type { UserStateStore } from '../../core/stores.ts';
import type { HistoryEntry, UserState } from '../../core/user-state.ts';
import { vectorFromBytes, vectorToBytes } from '../../core/vector.ts';
import { StreamrecError } from '../../errors.ts';
import { msgpack } from '../msgpack.ts';
import type { RedisKeys } from './keys.ts';
import { compactSeen, expandSeen } from './seen-compaction.ts';

const COMMIT_LUA = readFileSync(new URL('./commit-user-state.lua', import.meta.url), 'utf8');
const COMMIT_SHA = createHash('sha1').update(COMMIT_LUA).digest('hex');
const QUARANTINE_LUA = readFileSync(new URL('./quarantine-user-record.lua', import.meta.url), 'utf8');

/** quarantine-user-record.lua on a pipeline, registered with defineCommand (ioredis handles NOSCRIPT). */
interface QuarantineCommand {
  streamrecQuarantineUserRecord(userKey: string, positionKey: string, quarantineKey: string): unknown;
}

/**
 * UserStateStore on Redis. Per user one key: a text header "\x02partition:offset:topic\n"
 * (the exactly-once position and the topic's incarnation, readable by Lua without msgpack) followed by a msgpack
 * array (vector as raw Float32 bytes, history flattened to itemId, type code, ts delta, seen
 * as raw uint32 item hashes, then the candidate pool's hashes, scores and model tag when it has one).
 * Reads are one pipeline of GETs; a commit is one pipeline of EVALSHA calls of
 * commit-user-state.lua, which writes only positions past the stored one. Records of the
 * first layout (msgpack map + a separate position key) are still read, and replaced on
 * their next write.
 */
export function createRedisUserStore(redis: Redis, keys: RedisKeys): UserStateStore {
  let scriptLoaded = false;
  redis.defineCommand('streamrecQuarantineUserRecord', { numberOfKeys: 3, lua: QUARANTINE_LUA });

  const decodeStored = (userId: string, value: Buffer): UserState => {
    try {
      return decodeUserRecord(value);
    } catch (err) {
      throw new StreamrecError('CORRUPT_RECORD', `the stored state of user ${userId} (${keys.user(userId)}) cannot be decoded: ${(err as Error).message}`, {
        retryable: false,
        cause: err,
        hint: `the learner moves it to ${keys.userQuarantine(userId)} at the user's next event`,
      });
    }
  };

  const getMany: UserStateStore['getMany'] = async (userIds, onUnreadable) => {
    const out = new Map<string, UserState>();
    if (userIds.length === 0) return out;
    const pipeline = redis.pipeline();
    for (const id of userIds) pipeline.getBuffer(keys.user(id));
    const results = await execPipeline(pipeline, 'read user states');
    results.forEach((value, i) => {
      if (!(value instanceof Buffer)) return;
      const userId = userIds[i]!;
      try {
        out.set(userId, decodeStored(userId, value));
      } catch (err) {
        if (!onUnreadable || !(err instanceof StreamrecError)) throw err;
        onUnreadable(userId, err);
      }
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
        // Only for records of the first layout, whose position lived in its own key.
        keys.userPosition(s.userId),
        p === undefined ? '' : String(p.partition),
        p === undefined ? '0' : String(p.offset),
        encodeUserRecord(s),
        p?.topic ?? '',
      );
    }
    const results = await execPipeline(pipeline, 'commit user states');
    return states.filter((_, i) => results[i] === 1).map((s) => s.userId);
  };

  return {
    // One plain GET: the API reads one user per request, and a one-command pipeline costs
    // ioredis a Pipeline object, its promise plumbing and a result array on top of the GET.
    async get(userId) {
      const value = await wrap(redis.getBuffer(keys.user(userId)), 'read user states');
      return value === null ? undefined : decodeStored(userId, value);
    },
    getMany,
    async quarantine(userIds) {
      if (userIds.length === 0) return;
      const pipeline = redis.pipeline() as Pipeline & QuarantineCommand;
      for (const id of userIds) pipeline.streamrecQuarantineUserRecord(keys.user(id), keys.userPosition(id), keys.userQuarantine(id));
      await execPipeline(pipeline, 'quarantine user states');
    },
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

interface UserRecordV1 {
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

/**
 * [userId, vector bytes, lastEventTs, updatedAtMs, eventCount, history (flat), seen] and, with a
 * candidate pool, [pool hashes, pool scores, pool model tag] after them, then, with an eventId
 * window, its hashes (the pool's three nil without a pool). Seen, the pool's hashes and the
 * eventId window are raw little-endian uint32 hashes, the pool's scores raw Float32 (4 bytes
 * each); records written before the hashes hold the seen ids as strings, hashed when read.
 */
type RecordHead = [string, Uint8Array, number, number, number, Array<string | number>, StoredSeen];
type PoolFields = [Uint8Array | null, Uint8Array | null, number | null];
type UserRecordV2 = RecordHead | [...RecordHead, ...PoolFields] | [...RecordHead, ...PoolFields, Uint8Array];

/**
 * Seen as uint32 hashes; or [the hashes not implied by the history, the list's length] when
 * that is exact (seen-compaction.ts), written only for a record that needs the room for its
 * pool; or ids as strings (records from before the hashes).
 */
type StoredSeen = Uint8Array | [Uint8Array, number] | string[];

const V2_MARK = 0x02;
const NEWLINE = 0x0a;
// A type code past this bit carries an absolute ts (a delta that does not round-trip exactly).
const ABSOLUTE_TS = 16;
const TYPE_CODE = new Map<string, number>(EVENT_TYPES.map((t, i) => [t, i]));

/**
 * A record with a pool is cut to at most this many bytes, dropping the pool's lowest ranks.
 * Why: Redis keeps a value in a jemalloc size class (… 1,536, 1,792, 2,048 …), so a record of
 * 1,787+ bytes costs ~2,120 B with its key: past the 2 KB per user target. A typical user (seen
 * ~50) keeps the whole pool. A user at both caps (history 50, seen 200) is ~1,756 bytes without a
 * pool; their seen list is then stored without what their history implies (seen-compaction.ts),
 * which makes room for the whole pool when the last 50 events touched ~40 distinct items, for
 * part of it with fewer, and for none when the compaction is not exact.
 */
export const POOLED_RECORD_MAX_BYTES = 1780;

/**
 * Layout 2. History entries cost ~15 bytes instead of ~28: the type is a small integer
 * and ts a delta from the previous entry (the first from lastEventTs), which msgpack
 * stores in 1-5 bytes instead of a 9-byte float64; the position moved into the header
 * (one key per user instead of two, ~80 bytes of Redis overhead less).
 */
export function encodeUserRecord(s: UserState): Buffer {
  const history: Array<string | number> = [];
  let prevTs = s.lastEventTs;
  for (const h of s.history) {
    const delta = h.ts - prevTs;
    const exact = Number.isSafeInteger(delta) && prevTs + delta === h.ts;
    history.push(h.itemId, TYPE_CODE.get(h.type)! + (exact ? 0 : ABSOLUTE_TS), exact ? delta : h.ts);
    prevTs = h.ts;
  }
  const record: RecordHead = [s.userId, vectorToBytes(s.vector), s.lastEventTs, s.updatedAtMs, s.eventCount, history, hashesToBytes(s.seen)];
  const p = s.position;
  const header = Buffer.from(`\x02${p === undefined ? '' : `${p.partition}:${p.offset}${p.topic === undefined ? '' : `:${p.topic}`}`}\n`, 'latin1');
  const pool = s.pool?.hashes ?? [];
  const eventIds = s.eventIds.length > 0 ? hashesToBytes(s.eventIds) : undefined;
  const withPool = (n: number): UserRecordV2 => {
    const poolFields: PoolFields = n > 0 ? [hashesToBytes(pool.slice(0, n)), vectorToBytes(Float32Array.from(s.pool!.scores.slice(0, n))), s.pool!.modelTag] : [null, null, null];
    if (eventIds !== undefined) return [...record, ...poolFields, eventIds];
    return n > 0 ? [...record, ...poolFields] : record;
  };
  let keep = pool.length;
  let packed = msgpack.pack(withPool(keep));
  if (header.length + packed.length > POOLED_RECORD_MAX_BYTES) {
    // A busy user: seen without what the history implies, when that is exact (room for the
    // pool, and a smaller record with or without one). Typical users never pay for the check.
    const prefix = compactSeen(s.seen, s.history);
    if (prefix !== undefined) {
      record[6] = [hashesToBytes(prefix), s.seen.length];
      packed = msgpack.pack(withPool(keep));
    }
  }
  if (keep === 0) return Buffer.concat([header, packed]);
  // Over the limit: 8 bytes per entry dropped (a second round only when a length prefix shrank too).
  for (let over = header.length + packed.length - POOLED_RECORD_MAX_BYTES; over > 0; over = header.length + packed.length - POOLED_RECORD_MAX_BYTES) {
    keep -= Math.ceil(over / 8);
    packed = msgpack.pack(withPool(keep));
    if (keep <= 0) break;
  }
  return Buffer.concat([header, packed]);
}

export function decodeUserRecord(bytes: Buffer): UserState {
  if (bytes[0] === V2_MARK) return decodeV2(bytes);
  const r = msgpack.unpack(bytes) as UserRecordV1;
  if (r === null || typeof r !== 'object' || r.v !== 1 || !(r.vector instanceof Uint8Array)) throw unknownLayout();
  const history: HistoryEntry[] = [];
  for (const [itemId, type, ts] of r.history) if (isEventType(type)) history.push({ itemId, type, ts });
  return {
    userId: r.userId,
    vector: vectorFromBytes(r.vector),
    lastEventTs: r.lastEventTs,
    updatedAtMs: r.updatedAtMs,
    eventCount: r.eventCount,
    history,
    seen: seenFrom(r.seen),
    position: r.pos === null ? undefined : { partition: r.pos[0], offset: r.pos[1] },
    eventIds: [],
  };
}

function decodeV2(bytes: Buffer): UserState {
  const end = bytes.indexOf(NEWLINE, 1);
  if (end < 0) throw unknownLayout();
  const header = bytes.toString('latin1', 1, end);
  const pos = /^(\d+):(\d+)(?::([0-9a-f]{8}))?$/.exec(header);
  if (header !== '' && !pos) throw unknownLayout();
  const r = msgpack.unpack(bytes.subarray(end + 1)) as UserRecordV2;
  if (!Array.isArray(r) || (r.length !== 7 && r.length !== 10 && r.length !== 11) || !(r[1] instanceof Uint8Array) || !Array.isArray(r[5])) throw unknownLayout();
  const [userId, vector, lastEventTs, updatedAtMs, eventCount, flat, seen, poolHashes, poolScores, poolTag, eventIds] = r;
  const history: HistoryEntry[] = [];
  let prevTs = lastEventTs;
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const code = flat[i + 1] as number;
    const type: EventType | undefined = EVENT_TYPES[code % ABSOLUTE_TS];
    const ts = code >= ABSOLUTE_TS ? (flat[i + 2] as number) : prevTs + (flat[i + 2] as number);
    prevTs = ts;
    if (type !== undefined) history.push({ itemId: flat[i] as string, type, ts });
  }
  const state: UserState = {
    userId,
    vector: vectorFromBytes(vector),
    lastEventTs,
    updatedAtMs,
    eventCount,
    history,
    seen: seenFrom(seen, history),
    position: pos ? { partition: Number(pos[1]), offset: Number(pos[2]), ...(pos[3] === undefined ? {} : { topic: pos[3] }) } : undefined,
    eventIds: eventIds instanceof Uint8Array ? hashesFromBytes(eventIds) : [],
  };
  if (poolHashes instanceof Uint8Array && poolScores instanceof Uint8Array && typeof poolTag === 'number') {
    state.pool = { hashes: hashesFromBytes(poolHashes), scores: Array.from(vectorFromBytes(poolScores)), modelTag: poolTag };
  }
  return state;
}

function unknownLayout(): StreamrecError {
  return new StreamrecError('CORRUPT_RECORD', 'stored user record has an unknown layout (the key prefix may be shared with another program or an incompatible version)', { retryable: false });
}

function hashesToBytes(hashes: readonly number[]): Uint8Array {
  const out = Buffer.allocUnsafe(hashes.length * 4);
  for (let i = 0; i < hashes.length; i++) out.writeUInt32LE(hashes[i]!, i * 4);
  return out;
}

function hashesFromBytes(stored: Uint8Array): number[] {
  const view = new DataView(stored.buffer, stored.byteOffset, stored.byteLength);
  const out: number[] = new Array(stored.byteLength >>> 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

function seenFrom(stored: Uint8Array | readonly unknown[] | undefined, history: readonly HistoryEntry[] = []): number[] {
  if (stored instanceof Uint8Array) return hashesFromBytes(stored);
  if (Array.isArray(stored) && stored[0] instanceof Uint8Array && typeof stored[1] === 'number') return expandSeen(hashesFromBytes(stored[0]), history, stored[1]);
  // Before the hashes: item ids as strings.
  return (stored ?? []).filter((id): id is string => typeof id === 'string').map(itemHash);
}

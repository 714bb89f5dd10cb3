import type { Redis } from 'ioredis';
import { msgpackr } from '../msgpack.ts';
import { MODEL_VERSIONS_KEPT, checkModelVectors, type ModelMeta, type ModelStore } from '../../core/stores.ts';
import { vectorFromBytes, vectorToBytes, type Vector } from '../../core/vector.ts';
import type { RedisKeys } from './keys.ts';

// Vectors per HSET / HSCAN round trip: 64-d vectors are 256 B, so a chunk is ~0.5 MB.
const CHUNK = 2000;

/**
 * Model versions in Redis: one hash of raw Float32 vectors per version, then `current`
 * flipped to the new metadata in one SET, so readers see the old or the new model whole.
 */
export function createRedisModelStore(redis: Redis, keys: RedisKeys): ModelStore {
  /** What a version's vectors say of it; undefined when it has none left. */
  const metaFromVectors = async (version: string): Promise<ModelMeta | undefined> => {
    const itemCount = await redis.hlen(keys.modelItems(version));
    if (itemCount === 0) return undefined;
    const [, flat] = await redis.hscanBuffer(keys.modelItems(version), '0', 'COUNT', 1);
    const first = flat[1];
    return { version, dim: first ? first.length / 4 : 0, itemCount, createdAtMs: 0, trainedOn: {} };
  };
  return {
    async current() {
      const bytes = await redis.getBuffer(keys.modelCurrent());
      return bytes ? (msgpackr.unpack(bytes) as ModelMeta) : undefined;
    },
    async save(meta, vectors) {
      checkModelVectors(meta, vectors);
      const itemsKey = keys.modelItems(meta.version);
      await redis.del(itemsKey);
      let chunk: Array<string | Buffer> = [];
      for (const [itemId, vector] of vectors) {
        chunk.push(itemId, vectorToBytes(vector));
        if (chunk.length >= CHUNK * 2) {
          await redis.hset(itemsKey, ...chunk);
          chunk = [];
        }
      }
      if (chunk.length > 0) await redis.hset(itemsKey, ...chunk);
      const previous = await this.current();
      const packed = msgpackr.pack(meta);
      await redis.hset(keys.modelMetas(), meta.version, packed);
      await redis.set(keys.modelCurrent(), packed);
      await redis.lpush(keys.modelHistory(), meta.version);
      // Drop versions older than the kept ones (their vectors are no longer served).
      const stale = (await redis.lrange(keys.modelHistory(), MODEL_VERSIONS_KEPT, -1)).filter((v) => v !== meta.version && v !== previous?.version);
      if (stale.length > 0) {
        await redis.del(...stale.map((v) => keys.modelItems(v)));
        await redis.hdel(keys.modelMetas(), ...stale);
      }
      await redis.ltrim(keys.modelHistory(), 0, MODEL_VERSIONS_KEPT - 1);
    },
    async versions() {
      const names = [...new Set(await redis.lrange(keys.modelHistory(), 0, MODEL_VERSIONS_KEPT - 1))];
      if (names.length === 0) return [];
      const metas = await redis.hmgetBuffer(keys.modelMetas(), ...names);
      const out: ModelMeta[] = [];
      for (const [i, version] of names.entries()) {
        // Saved before metadata was kept per version (or its record is unreadable): the current
        // record when it is that version, else what the vectors themselves say.
        let meta = readMeta(metas[i], version);
        if (!meta) {
          const current = await this.current();
          meta = current?.version === version ? current : await metaFromVectors(version);
        }
        if (meta) out.push(meta);
      }
      return out;
    },
    async loadVectors(version) {
      const out = new Map<string, Vector>();
      let cursor = '0';
      do {
        const [next, flat] = await redis.hscanBuffer(keys.modelItems(version), cursor, 'COUNT', CHUNK);
        cursor = next.toString();
        for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i]!.toString(), vectorFromBytes(flat[i + 1]!));
      } while (cursor !== '0');
      return out;
    },
  };
}

/** A version's saved metadata, or undefined when there is none or it is not metadata of that version. */
function readMeta(bytes: Buffer | null | undefined, version: string): ModelMeta | undefined {
  if (!bytes) return undefined;
  let value: unknown;
  try {
    value = msgpackr.unpack(bytes);
  } catch {
    return undefined;
  }
  const m = value as Partial<ModelMeta> | null;
  const ok = m !== null && typeof m === 'object' && m.version === version && Number.isInteger(m.dim) && Number.isInteger(m.itemCount) && typeof m.createdAtMs === 'number' && typeof m.trainedOn === 'object' && m.trainedOn !== null;
  return ok ? (m as ModelMeta) : undefined;
}

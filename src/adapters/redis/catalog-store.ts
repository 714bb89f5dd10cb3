import type { Redis } from 'ioredis';
import type { CatalogChangeBus, CatalogItem, CatalogStore } from '../../core/stores.ts';
import { StreamrecError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { msgpack } from '../msgpack.ts';
import type { RedisKeys } from './keys.ts';

/**
 * Catalog metadata in one Redis hash, itemId -> msgpack { title?, category?, available,
 * updatedAtMs }. The hash is the source of truth; the change bus below only tells
 * processes to look, so a lost message is repaired by the next full resync.
 */
export function createRedisCatalogStore(redis: Redis, keys: RedisKeys): CatalogStore {
  const key = keys.catalog();
  return {
    async get(itemId) {
      const bytes = await redis.hgetBuffer(key, itemId);
      return bytes ? decodeCatalogItem(itemId, bytes) : undefined;
    },
    async getMany(itemIds) {
      const out = new Map<string, CatalogItem>();
      if (itemIds.length === 0) return out;
      const values = await redis.hmgetBuffer(key, ...itemIds);
      values.forEach((bytes, i) => {
        if (bytes) out.set(itemIds[i]!, decodeCatalogItem(itemIds[i]!, bytes));
      });
      return out;
    },
    async put(item) {
      await redis.hset(key, item.itemId, encodeCatalogItem(item));
    },
    async all() {
      const out: CatalogItem[] = [];
      let cursor = '0';
      // HSCAN in pages: one huge HGETALL would block Redis for every other client.
      do {
        const [next, flat] = await redis.hscanBuffer(key, cursor, 'COUNT', 1000);
        cursor = next.toString();
        for (let i = 0; i + 1 < flat.length; i += 2) out.push(decodeCatalogItem(flat[i]!.toString('utf8'), flat[i + 1]!));
      } while (cursor !== '0');
      return out;
    },
  };
}

/**
 * Redis pub/sub on keys.catalogChanges(). `subscriber` must be a connection of its own
 * (a subscribed ioredis connection cannot run other commands); the bus owns it once given.
 */
export function createRedisCatalogChangeBus(publisher: Redis, subscriber: Redis, keys: RedisKeys, log: Logger): CatalogChangeBus {
  const channel = keys.catalogChanges();
  return {
    async publish(item) {
      await publisher.publish(channel, encodeCatalogItem(item, true));
    },
    async subscribe(onChange) {
      const listener = (ch: Buffer, message: Buffer) => {
        if (ch.toString() !== channel) return;
        try {
          const decoded = msgpack.unpack(message) as { itemId?: unknown };
          if (typeof decoded.itemId !== 'string') throw new Error('no itemId');
          onChange(decodeCatalogItem(decoded.itemId, message));
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'unreadable catalog change message ignored');
        }
      };
      subscriber.on('messageBuffer', listener);
      await subscriber.subscribe(channel);
      return async () => {
        subscriber.off('messageBuffer', listener);
        await subscriber.unsubscribe(channel).catch(() => undefined);
      };
    },
  };
}

export function encodeCatalogItem(item: CatalogItem, withId = false): Buffer {
  const record: Record<string, unknown> = { available: item.available, updatedAtMs: item.updatedAtMs };
  if (withId) record.itemId = item.itemId;
  if (item.title !== undefined) record.title = item.title;
  if (item.category !== undefined) record.category = item.category;
  if (item.boost !== undefined) record.boost = item.boost;
  if (item.boostUntilMs !== undefined) record.boostUntilMs = item.boostUntilMs;
  return msgpack.pack(record);
}

export function decodeCatalogItem(itemId: string, bytes: Buffer): CatalogItem {
  const r = msgpack.unpack(bytes) as Record<string, unknown>;
  if (typeof r !== 'object' || r === null || typeof r.available !== 'boolean' || typeof r.updatedAtMs !== 'number') {
    throw new StreamrecError('INTERNAL', `catalog record of ${itemId} is malformed`);
  }
  const item: CatalogItem = { itemId, available: r.available, updatedAtMs: r.updatedAtMs };
  if (typeof r.title === 'string') item.title = r.title;
  if (typeof r.category === 'string') item.category = r.category;
  // A boost outside (0, 1] is not a promotion this version understands: left out, not fatal.
  if (typeof r.boost === 'number' && r.boost > 0 && r.boost <= 1) item.boost = r.boost;
  if (typeof r.boostUntilMs === 'number' && Number.isFinite(r.boostUntilMs)) item.boostUntilMs = r.boostUntilMs;
  return item;
}

import { EventEmitter } from 'node:events';
import type { CatalogChangeBus, CatalogItem, CatalogStore } from '../../core/stores.ts';

/** In-process twin of the Redis catalog store; items are copied in and out. */
export function createMemoryCatalogStore(): CatalogStore {
  const items = new Map<string, CatalogItem>();
  return {
    async get(itemId) {
      const item = items.get(itemId);
      return item ? { ...item } : undefined;
    },
    async getMany(itemIds) {
      const out = new Map<string, CatalogItem>();
      for (const id of itemIds) {
        const item = items.get(id);
        if (item) out.set(id, { ...item });
      }
      return out;
    },
    async put(item) {
      items.set(item.itemId, { ...item });
    },
    async all() {
      return [...items.values()].map((i) => ({ ...i }));
    },
  };
}

/** In-process twin of the Redis pub/sub bus: several views on one bus act as several processes. */
export function createMemoryCatalogChangeBus(): CatalogChangeBus {
  const emitter = new EventEmitter();
  return {
    async publish(item) {
      emitter.emit('change', { ...item });
    },
    async subscribe(onChange) {
      emitter.on('change', onChange);
      return async () => {
        emitter.off('change', onChange);
      };
    },
  };
}

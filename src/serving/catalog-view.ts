import type { AnnIndex } from '../core/ann-index.ts';
import { boostAt, type CatalogChangeBus, type CatalogItem, type CatalogStore } from '../core/stores.ts';
import type { Logger } from '../log.ts';
import type { CatalogView } from '../core/ports.ts';

export interface CatalogViewOptions {
  store: CatalogStore;
  bus: CatalogChangeBus;
  /** Drops the item's embedding from every index (item-embeddings tombstone). */
  removeEmbedding: (itemId: string) => Promise<void>;
  log: Logger;
  /** Full reload period: repairs pub/sub messages lost while disconnected. */
  resyncMs?: number;
  /** The clock boosts lapse by (tests); Date.now by default. */
  now?: () => number;
}

export interface RunningCatalogView extends CatalogView {
  readonly size: number;
  /** Reloads everything from the store (at start, periodically, after reconnects). */
  resync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The catalog as this process sees it: a map kept in memory so the recommender's
 * per-candidate availability check costs a map lookup. Writes go to the store first
 * (source of truth), then to the bus, which every API process (this one included)
 * applies within milliseconds; the periodic resync bounds the damage of a lost message.
 * Items without a catalog entry are available: the catalog is an override, not a gate.
 */
export async function startCatalogView(options: CatalogViewOptions): Promise<RunningCatalogView> {
  const { store, bus, log } = options;
  const items = new Map<string, CatalogItem>();
  // Items marked unavailable: while there are none, the recommender's search skips the catalog check.
  let unavailable = 0;
  // Items that carry a boost (lapsed or not): while there are none, boostOf answers without a lookup.
  let boosted = 0;
  const now = options.now ?? Date.now;
  // Indexes whose hidden set follows availability (hideUnavailableIn).
  const followers: Array<Pick<AnnIndex, 'setHidden'>> = [];
  const apply = (item: CatalogItem) => {
    const known = items.get(item.itemId);
    // Last writer by updatedAtMs wins, so a late resync cannot undo a newer change.
    if (!known || known.updatedAtMs <= item.updatedAtMs) {
      if (known && !known.available) unavailable--;
      if (!item.available) unavailable++;
      if (known?.boost) boosted--;
      if (item.boost) boosted++;
      items.set(item.itemId, item);
      for (const index of followers) index.setHidden(item.itemId, !item.available);
    }
  };
  const resync = async () => {
    for (const item of await store.all()) apply(item);
  };
  const unsubscribe = await bus.subscribe(apply);
  await resync();
  const timer = setInterval(() => {
    resync().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'catalog resync failed; keeping the last copy'));
  }, options.resyncMs ?? 30_000);
  timer.unref();

  const write = async (item: CatalogItem) => {
    await store.put(item);
    apply(item);
    await bus.publish(item);
  };

  return {
    get size() {
      return items.size;
    },
    get unavailableCount() {
      return unavailable;
    },
    get(itemId) {
      return items.get(itemId);
    },
    isAvailable(itemId) {
      return items.get(itemId)?.available ?? true;
    },
    hideUnavailableIn(index) {
      followers.push(index);
      for (const item of items.values()) if (!item.available) index.setHidden(item.itemId, true);
    },
    categoryOf(itemId) {
      return items.get(itemId)?.category;
    },
    get boostedCount() {
      return boosted;
    },
    boostOf(itemId) {
      return boosted === 0 ? 0 : boostAt(items.get(itemId), now());
    },
    put: write,
    async remove(itemId, nowMs) {
      const known = items.get(itemId) ?? (await store.get(itemId));
      await write({ ...known, itemId, available: false, updatedAtMs: nowMs });
      await options.removeEmbedding(itemId);
    },
    resync,
    async close() {
      clearInterval(timer);
      await unsubscribe();
    },
  };
}

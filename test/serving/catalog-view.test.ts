import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisCatalogChangeBus, createRedisCatalogStore } from '../../src/adapters/redis/catalog-store.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { createLogger } from '../../src/log.ts';
import { startCatalogView, type RunningCatalogView } from '../../src/serving/catalog-view.ts';
import { integrationSetup } from '../helpers/integration.ts';

// The stack's effective Redis and a random key prefix (keys deleted by the helper's teardown).
const ctx = await integrationSetup();
const url = ctx.config.redis.url;
const log = createLogger('test', 'silent');
const connections: Redis[] = [];
const views: RunningCatalogView[] = [];
const keys = createRedisKeys(ctx.config.redis.keyPrefix);

afterAll(async () => {
  for (const v of views) await v.close();
  for (const c of connections) c.disconnect();
});

/** One "API process": its own connections, its own in-memory view. */
async function startProcess(removed: string[]): Promise<RunningCatalogView> {
  const redis = new Redis(url);
  const subscriber = new Redis(url);
  connections.push(redis, subscriber);
  const view = await startCatalogView({
    store: createRedisCatalogStore(redis, keys),
    bus: createRedisCatalogChangeBus(redis, subscriber, keys, log),
    removeEmbedding: async (id) => {
      removed.push(id);
    },
    log,
  });
  views.push(view);
  return view;
}

async function within(ms: number, check: () => boolean): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - start;
}

describe('catalog view over real Redis (two processes)', () => {
  it('a write in one process reaches the other within a second; a late starter loads it from the store', async () => {
    const removed: string[] = [];
    const a = await startProcess(removed);
    const b = await startProcess(removed);
    expect(b.isAvailable('sku-1')).toBe(true); // no entry: available by default
    await a.put({ itemId: 'sku-1', title: 'Lamp', category: 'home', available: false, updatedAtMs: Date.now() });
    expect(a.isAvailable('sku-1')).toBe(false);
    // Pub/sub delivery is immediate; the bound is generous so a loaded CI machine cannot flake it.
    await within(5000, () => b.isAvailable('sku-1') === false);
    expect(b.categoryOf('sku-1')).toBe('home');

    await b.remove('sku-2', Date.now());
    await within(5000, () => a.isAvailable('sku-2') === false);
    expect(removed).toEqual(['sku-2']);

    const c = await startProcess([]);
    expect(c.isAvailable('sku-1')).toBe(false);
    expect(c.get('sku-1')?.title).toBe('Lamp');
    expect(c.size).toBe(2);
  });
});

describe('catalog view: the index hides what the catalog marks unavailable', () => {
  it('hides the items unavailable at hand-over at once, then follows every change from either process', async () => {
    const writer = await startProcess([]);
    await writer.put({ itemId: 'hide-a', available: false, updatedAtMs: 10 });
    await writer.put({ itemId: 'hide-b', available: true, updatedAtMs: 10 });
    const reader = await startProcess([]);
    const index = createExactIndex(2);
    index.upsert('hide-a', Float32Array.of(1, 0));
    index.upsert('hide-b', Float32Array.of(1, 0.1));
    index.upsert('hide-c', Float32Array.of(1, 0.2));
    const found = () => index.search(Float32Array.of(1, 0), 3).map((n) => n.itemId);
    reader.hideUnavailableIn(index);
    expect(found()).toEqual(['hide-b', 'hide-c']);
    // A change written by the other process reaches this index through the bus.
    await writer.put({ itemId: 'hide-b', available: false, updatedAtMs: 11 });
    await within(1000, () => !found().includes('hide-b'));
    await writer.put({ itemId: 'hide-a', available: true, updatedAtMs: 12 });
    await within(1000, () => found().includes('hide-a'));
    // A removal hides at once in the writing process, before its tombstone reaches the index.
    await reader.remove('hide-c', 13);
    expect(found()).toEqual(['hide-a']);
  });
});

describe('catalog view: unavailable count', () => {
  it('counts items marked unavailable, across puts, removals and re-publishing', async () => {
    const view = await startProcess([]);
    // The store is shared with the test above: count relative to what the view loaded.
    const base = view.unavailableCount ?? -1;
    await view.put({ itemId: 'count-a', available: true, updatedAtMs: 1 });
    expect(view.unavailableCount).toBe(base);
    await view.remove('count-a', 2);
    expect(view.unavailableCount).toBe(base + 1);
    await view.put({ itemId: 'count-b', available: false, updatedAtMs: 3 });
    await view.put({ itemId: 'count-b', available: false, updatedAtMs: 4 });
    await view.resync();
    expect(view.unavailableCount).toBe(base + 2);
    await view.put({ itemId: 'count-a', available: true, updatedAtMs: 5 });
    await within(1000, () => view.unavailableCount === base + 1);
    expect(view.isAvailable('count-a')).toBe(true);
  });
});

describe('catalog view: promotions', () => {
  it('a boost reaches the other process, lapses at its time, is 0 for an unavailable item, and goes with a write without it', async () => {
    const a = await startProcess([]);
    const b = await startProcess([]);
    const now = Date.now();
    expect(b.boostOf('sku-b1')).toBe(0);
    await a.put({ itemId: 'sku-b1', available: true, updatedAtMs: now, boost: 0.4, boostUntilMs: now + 60_000 });
    await a.put({ itemId: 'sku-b2', available: true, updatedAtMs: now, boost: 1, boostUntilMs: now - 1 });
    await a.put({ itemId: 'sku-b3', available: false, updatedAtMs: now, boost: 1 });
    // All three reached b (counted whether lapsed or unavailable), so the zeros below are theirs.
    await within(5000, () => b.boostedCount === 3);
    expect(b.boostOf('sku-b1')).toBe(0.4);
    expect(a.boostOf('sku-b1')).toBe(0.4);
    expect(b.boostOf('sku-b2')).toBe(0); // lapsed
    expect(b.boostOf('sku-b3')).toBe(0); // unavailable
    await a.put({ itemId: 'sku-b1', available: true, updatedAtMs: now + 1 });
    await within(5000, () => b.boostOf('sku-b1') === 0);
    expect(b.boostedCount).toBe(2);
    // A process started now loads the same from the store.
    const c = await startProcess([]);
    expect(c.get('sku-b2')).toMatchObject({ boost: 1, boostUntilMs: now - 1 });
    expect(c.boostOf('sku-b1')).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { COLD_ITEMS_PER_HORIZON, loadColdChoice, startColdSaver } from '../../src/adapters/redis/cold-store.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { coldHorizons, DEFAULT_COLD_CHOICE, type ColdRestore } from '../../src/core/cold-choice.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { startTrendingFeed, type TrendingFeed } from '../../src/serving/trending-feed.ts';
import { msgpack } from '../../src/adapters/msgpack.ts';
import { produceEvents } from '../pipeline/support.ts';
import { integrationSetup } from '../helpers/integration.ts';

const ctx = await integrationSetup({ CLICKSTREAM_PARTITIONS: '2' });
const DAY = 86_400_000;
const LOOKBACK_MS = 10 * 60_000;

const eventsOf = (prefix: string, n: number, t0: number): ClickEvent[] =>
  Array.from({ length: n }, (_, i) => ({ eventId: `${prefix}-${i}`, userId: `u${i % 7}`, itemId: `item-${i % 5}`, type: 'view', ts: t0 + i * 1000 }));

/** A horizon's scores as of its newest event (anchored scores rescaled to a common time). */
function horizonScores(feed: TrendingFeed, halfLifeMs: number, entry: boolean): Map<string, number> {
  const at = coldHorizons(DEFAULT_COLD_CHOICE).findIndex((h) => h.halfLifeMs === halfLifeMs && h.entry === entry);
  const t = feed.coldSnapshot(COLD_ITEMS_PER_HORIZON).snapshot.trackers[at]!;
  return new Map(t.scores.map(([id, s]) => [id, s * 2 ** ((t.anchorTs - t.nowTs) / t.halfLifeMs)]));
}

/** The 365-day horizon of every event. */
const yearScores = (feed: TrendingFeed) => horizonScores(feed, 365 * DAY, false);
/** The 365-day horizon of users' first events (entry clicks). */
const yearEntryScores = (feed: TrendingFeed) => horizonScores(feed, 365 * DAY, true);

/** Same items and scores; sums may differ in their last bits (partitions interleave differently per consumer). */
function expectSameScores(got: Map<string, number>, expected: Map<string, number>): void {
  expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [id, s] of expected) expect(got.get(id)).toBeCloseTo(s, 9);
}

async function startFeed(restored?: ColdRestore, lookbackMs = LOOKBACK_MS): Promise<TrendingFeed> {
  const feed = await startTrendingFeed(ctx.kafka, ctx.config, ctx.log, lookbackMs, undefined, undefined, DEFAULT_COLD_CHOICE, restored);
  expect(await feed.whenCaughtUp(30_000)).toBe('caught-up');
  return feed;
}

/** Produces `events` and waits (bounded) until every feed has read them. */
async function produceAndRead(feeds: TrendingFeed[], events: ClickEvent[]): Promise<void> {
  const targets = feeds.map((f) => f.eventsSeen + events.length);
  await produceEvents(ctx, events);
  const deadline = Date.now() + 30_000;
  while (feeds.some((f, i) => f.eventsSeen < targets[i]!)) {
    if (Date.now() > deadline) throw new Error(`feeds read ${feeds.map((f) => f.eventsSeen).join(', ')} events, expected ${targets.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the API's cold-user choice across a restart (real Kafka and Redis)", () => {
  it('carries its horizons over through Redis and counts every event once, though the lookback reads the old ones again', async () => {
    const keys = createRedisKeys(ctx.config.redis.keyPrefix);
    const topic = ctx.config.topics.clickstream;
    const t0 = Date.now() - 3_600_000;
    await produceEvents(ctx, eventsOf('before', 40, t0));
    const first = await startFeed();
    // Its entry horizons count each user's first event only: u0..u6 first viewed item-0..4, item-0, item-1.
    const entry = yearEntryScores(first);
    expect([...entry.keys()].sort()).toEqual(['item-0', 'item-1', 'item-2', 'item-3', 'item-4']);
    expect(entry.get('item-0')! / entry.get('item-2')!).toBeCloseTo(2, 2);
    // The process stops: its last save goes to Redis.
    const saver = startColdSaver(ctx.redis, keys, topic, () => first.coldSnapshot(COLD_ITEMS_PER_HORIZON), ctx.log);
    await saver.stop();
    await first.stop();

    await produceEvents(ctx, eventsOf('after', 25, t0 + 100_000));
    const restored = await loadColdChoice(ctx.redis, keys, topic, DEFAULT_COLD_CHOICE, ctx.config.model.trendingHalfLifeMs, ctx.log);
    expect(restored).toBeDefined();
    expect([...restored!.nextOffsets.values()].reduce((a, b) => a + b, 0)).toBe(40);
    const second = await startFeed(restored);
    // A process that read all 65 events once, from the lookback alone.
    const fresh = await startFeed();
    try {
      expectSameScores(yearScores(second), yearScores(fresh));
      // The lookback's users are remembered though their events were counted before the restart:
      // their later events are not first events.
      expectSameScores(yearEntryScores(second), yearEntryScores(fresh));
      expectSameScores(yearEntryScores(second), entry);
    } finally {
      await second.stop();
      await fresh.stop();
    }
  });

  it('remembers the users it had seen, so a visitor back after the restart is no newcomer though its lookback did not reach their visits', async () => {
    const keys = createRedisKeys(ctx.config.redis.keyPrefix);
    const topic = ctx.config.topics.clickstream;
    const t0 = Date.now() - 1_800_000;
    const early: ClickEvent[] = Array.from({ length: 5 }, (_, i) => ({ eventId: `early-${i}`, userId: `regular${i}`, itemId: `landing-${i}`, type: 'view', ts: t0 + i * 1000 }));
    await produceEvents(ctx, early);
    const first = await startFeed();
    // Users are saved hourly and at stop: here at stop.
    const saver = startColdSaver(ctx.redis, keys, topic, () => first.coldSnapshot(COLD_ITEMS_PER_HORIZON), ctx.log, { users: { snapshot: () => first.usersSnapshot(), everyMs: 3_600_000 } });
    await saver.stop();
    await first.stop();
    const restored = await loadColdChoice(ctx.redis, keys, topic, DEFAULT_COLD_CHOICE, ctx.config.model.trendingHalfLifeMs, ctx.log);
    expect(restored?.users).toBeDefined();
    expect(restored!.users!.newer.length + restored!.users!.older.length).toBeGreaterThanOrEqual(5);

    // Restarted with a lookback that holds none of those visits (a process down longer than it):
    // one restored from this save, one from a save without users (none saved yet, or unreadable).
    await new Promise((resolve) => setTimeout(resolve, 50));
    const withUsers = await startFeed(restored, 1);
    const withoutUsers = await startFeed({ ...restored!, users: undefined }, 1);
    try {
      const back: ClickEvent[] = [
        ...Array.from({ length: 5 }, (_, i): ClickEvent => ({ eventId: `back-${i}`, userId: `regular${i}`, itemId: 'returning-pick', type: 'view', ts: t0 + 600_000 + i * 1000 })),
        { eventId: 'newcomer-0', userId: 'newcomer', itemId: 'newcomer-pick', type: 'view', ts: t0 + 610_000 },
      ];
      await produceAndRead([withUsers, withoutUsers], back);
      const entries = yearEntryScores(withUsers);
      expect(entries.has('newcomer-pick')).toBe(true);
      expect(entries.has('returning-pick')).toBe(false);
      expect(entries.has('landing-0')).toBe(true); // the restored entry horizon itself
      expect(yearEntryScores(withoutUsers).has('returning-pick')).toBe(true);
    } finally {
      await withUsers.stop();
      await withoutUsers.stop();
    }
  });

  it('ignores a save that does not fit, saying why: another topic, offsets past the end (a recreated topic), garbage', async () => {
    const keys = createRedisKeys(ctx.config.redis.keyPrefix);
    const topic = ctx.config.topics.clickstream;
    const load = () => loadColdChoice(ctx.redis, keys, topic, DEFAULT_COLD_CHOICE, ctx.config.model.trendingHalfLifeMs, ctx.log);
    await ctx.redis.set(keys.apiCold(), Buffer.from('not msgpack at all'));
    expect(await load()).toBeUndefined();
    const feed = await startFeed();
    const good = feed.coldSnapshot(10);
    await feed.stop();
    await ctx.redis.set(keys.apiCold(), msgpack.pack({ topic: 'other', cold: good.snapshot, nextOffsets: [...good.nextOffsets] }));
    expect(await load()).toBeUndefined();
    // Saved users that are not hashes: the horizons are kept, the users left to the lookback.
    await ctx.redis.set(keys.apiCold(), msgpack.pack({ topic, cold: good.snapshot, nextOffsets: [...good.nextOffsets] }));
    for (const users of [{ format: 'streamrec-first-seen', version: 1, newer: 'u1,u2', older: new Uint8Array(0) }, { format: 'streamrec-first-seen', version: 1, newer: new Uint8Array(4), older: new Uint8Array(3) }, { newer: new Uint8Array(4), older: new Uint8Array(4) }]) {
      await ctx.redis.set(keys.apiColdUsers(), msgpack.pack(users));
      const withoutUsers = await load();
      expect(withoutUsers?.snapshot).toEqual(good.snapshot);
      expect(withoutUsers?.users).toBeUndefined();
    }
    await ctx.redis.del(keys.apiColdUsers());
    // Offsets far past the partitions' ends: restoring would skip every new event there.
    await ctx.redis.set(keys.apiCold(), msgpack.pack({ topic, cold: good.snapshot, nextOffsets: [[0, 1_000_000]] }));
    const ahead = await load();
    expect(ahead).toBeDefined();
    const started = await startFeed(ahead);
    const fresh = await startFeed();
    try {
      expectSameScores(yearScores(started), yearScores(fresh)); // not restored: counted from the lookback
    } finally {
      await started.stop();
      await fresh.stop();
    }
  });
});

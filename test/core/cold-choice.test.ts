import { describe, expect, it } from 'vitest';
import { coldSnapshotFor, createColdChoice, DEFAULT_COLD_CHOICE } from '../../src/core/cold-choice.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { itemHash } from '../../src/core/item-hash.ts';
import { createModel } from '../../src/core/model.ts';
import { onlineModelParamsFrom } from '../../src/core/online-model-params.ts';
import { createTrending } from '../../src/core/trending.ts';
import { loadConfig } from '../../src/config.ts';

const DAY = 86_400_000;
const params = { halfLivesMs: [DAY, 365 * DAY], memoryEvents: 100, depth: 3 };

/**
 * A store whose lasting favourites (c0..c2, bought for months) are what newcomers click first,
 * while the last day's burst (f0..f9) is what the 1-day trending shows.
 */
function feedStore(add: (itemId: string, ts: number) => void): number {
  let ts = 0;
  for (let d = 0; d < 200; d++) for (let c = 0; c < 3; c++) add(`c${c}`, (ts += DAY / 3));
  for (let i = 0; i < 300; i++) add(`f${i % 10}`, (ts += 60_000));
  return ts;
}

/** A process's trending and its cold choice, both fed the store above. */
function fedChoice(): { main: ReturnType<typeof createTrending>; cold: ReturnType<typeof createColdChoice> } {
  const main = createTrending(DAY);
  const cold = createColdChoice(params, () => main, DAY);
  feedStore((id, ts) => {
    main.add(id, ts, 1);
    cold.add(id, ts, 1, false);
  });
  return { main, cold };
}

describe('cold choice', () => {
  it('serves the configured trending first, then the horizon newcomers act on', () => {
    const { main, cold } = fedChoice();
    expect(cold.served()).toBe(main);
    expect(cold.state.halfLifeMs).toBe(DAY);
    const lists = cold.lists(() => true);
    expect(lists).toHaveLength(2);
    expect(lists[0]).not.toContain(itemHash('c0')); // the last day's burst fills the 1-day top 3
    expect(lists[1]).toContain(itemHash('c0'));
    for (let n = 0; n < 5; n++) cold.credit(cold.lists(() => true), `c${n % 3}`);
    expect(cold.state.halfLifeMs).toBe(365 * DAY);
    expect(cold.served().top(1)[0]!.itemId).toMatch(/^c/);
    expect(cold.state.hitRates[1]).toBeGreaterThan(cold.state.hitRates[0]!);
  });

  it("only cold users get the chosen horizon and the horizons' tops; a user with events is the model's", () => {
    const config = loadConfig({});
    const trending = createTrending(DAY);
    const cold = createColdChoice(params, () => trending, DAY);
    const model = createModel(onlineModelParamsFrom(config.model), { index: createExactIndex(config.model.dim), trending: () => trending, cold, modelVersion: () => 'v' });
    feedStore((id, ts) => {
      trending.add(id, ts, 1);
      cold.add(id, ts, 1, false);
    });
    for (let n = 0; n < 5; n++) model.creditCold(model.recommend(undefined, { k: 3, userId: `new${n}` }).coldAlternatives!, 'c1');
    expect(model.cold?.halfLifeMs).toBe(365 * DAY);
    const served = model.recommend(undefined, { k: 3 });
    expect(served.cold).toBe(true);
    expect(served.items.map((i) => i.itemId).sort()).toEqual(['c0', 'c1', 'c2']);
    const user = model.applyEvent(model.newState('u'), { eventId: 'e', userId: 'u', itemId: 'f1', type: 'click', ts: 1 }, { nowMs: 1 });
    expect(model.recommend(user, { k: 3 }).coldAlternatives).toBeUndefined();
  });

  it('defaults to horizons of 1, 7, 30 and 365 days, the configured trending half-life among them, and entry horizons of 7, 30 and 365', () => {
    expect(DEFAULT_COLD_CHOICE.halfLivesMs.map((h) => h / DAY)).toEqual([1, 7, 30, 365]);
    expect(DEFAULT_COLD_CHOICE.halfLivesMs).toContain(loadConfig({}).model.trendingHalfLifeMs);
    expect(DEFAULT_COLD_CHOICE.entryHalfLivesMs!.map((h) => h / DAY)).toEqual([7, 30, 365]);
  });

  it('an entry horizon counts first events only, and serves once newcomers click what it shows', () => {
    const entryParams = { ...params, entryHalfLivesMs: [30 * DAY] };
    const main = createTrending(DAY);
    const cold = createColdChoice(entryParams, () => main, DAY);
    // Every newcomer starts at the landing item n0, then browses r0..r4 like everyone (15 clicks).
    let ts = 0;
    for (let u = 0; u < 50; u++) {
      for (const [i, entry] of [['n0', true], ...Array.from({ length: 15 }, (_, j) => [`r${(u + j) % 5}`, false] as const)] as const) {
        main.add(i, (ts += 60_000), 1);
        cold.add(i, ts, 1, entry);
      }
    }
    const lists = cold.lists(() => true);
    expect(lists).toHaveLength(3); // 1 day and 365 days of every event, then 30 days of first events
    expect(lists[2]![0]).toBe(itemHash('n0'));
    expect(lists[0]).not.toContain(itemHash('n0')); // 50 clicks against 150 for each of r0..r4: not in every event's top 3
    expect(cold.state.horizons).toEqual([
      { halfLifeMs: DAY, entry: false },
      { halfLifeMs: 365 * DAY, entry: false },
      { halfLifeMs: 30 * DAY, entry: true },
    ]);
    for (let n = 0; n < 5; n++) cold.credit(cold.lists(() => true), 'n0');
    expect(cold.state).toMatchObject({ halfLifeMs: 30 * DAY, entry: true });
    expect(cold.served().top(1)[0]!.itemId).toBe('n0');
  });

  it("a served horizon short of k is topped up from the process's trending, in the request's filters", () => {
    const config = loadConfig({});
    const trending = createTrending(DAY);
    const cold = createColdChoice({ ...params, entryHalfLivesMs: [30 * DAY] }, () => trending, DAY);
    const model = createModel(onlineModelParamsFrom(config.model), { index: createExactIndex(config.model.dim), trending: () => trending, cold, modelVersion: () => 'v' });
    // One newcomer so far, who entered at n0; regulars' items r0..r3 trend.
    let ts = 0;
    for (const [id, entry] of [['n0', true], ['r0', false], ['r1', false], ['r1', false], ['r2', false], ['r3', false]] as const) {
      trending.add(id, (ts += 1000), 1);
      cold.add(id, ts, 1, entry);
    }
    for (let n = 0; n < 3; n++) model.creditCold(model.recommend(undefined, { k: 3, userId: `new${n}` }).coldAlternatives!, 'n0');
    expect(model.cold).toMatchObject({ halfLifeMs: 30 * DAY, entry: true });
    const served = model.recommend(undefined, { k: 3, exclude: ['r2'] });
    expect(served.items.map((i) => i.itemId)).toEqual(['n0', 'r1', 'r3']);
    expect(served.underfilled).toBe(0);
  });

  it('an entry horizon of the main half-life has a tracker of its own: the main one counts every event', () => {
    const main = createTrending(DAY);
    const cold = createColdChoice({ ...params, entryHalfLivesMs: [DAY] }, () => main, DAY);
    main.add('x', 1000, 1);
    cold.add('x', 1000, 1, false);
    cold.add('y', 2000, 1, true);
    main.add('y', 2000, 1);
    const [, , entry] = cold.lists(() => true);
    expect(entry).toEqual([itemHash('y')]);
    expect(JSON.parse(JSON.stringify(cold.snapshot(10))).trackers[2].scores).toEqual([['y', expect.any(Number)]]);
  });

  it('a snapshot carries the choice and the longer horizons to a successor, bounded in items', () => {
    const { cold } = fedChoice();
    for (let n = 0; n < 5; n++) cold.credit(cold.lists(() => true), `c${n % 3}`);
    const saved = JSON.parse(JSON.stringify(cold.snapshot(5))) as unknown;
    const snapshot = coldSnapshotFor(saved, params, DAY);
    if (typeof snapshot === 'string') throw new Error(snapshot);
    expect(snapshot.trackers[0]).toBeNull(); // the main horizon is the process's trending
    expect(snapshot.trackers[1]!.scores).toHaveLength(5); // 13 items seen, the best 5 kept

    // A successor whose own trending starts empty serves the restored year-long horizon at once.
    const successor = createColdChoice(params, () => createTrending(DAY), DAY, snapshot);
    expect(successor.state).toEqual(cold.state);
    expect(successor.served().top(3)).toEqual(cold.served().top(3));
    expect(successor.lists(() => true)[1]).toEqual(cold.lists(() => true)[1]);
    successor.add('c1', 1e12, 1, false); // and goes on counting
    expect(successor.served().top(1)[0]!.itemId).toBe('c1');
  });

  it('refuses a snapshot of other horizons or with broken parts, saying why', () => {
    const cold = createColdChoice(params, () => createTrending(DAY), DAY);
    cold.add('a', 1000, 1, false);
    const good = JSON.parse(JSON.stringify(cold.snapshot(10))) as Record<string, unknown>;
    expect(typeof coldSnapshotFor(good, params, DAY)).toBe('object');
    expect(coldSnapshotFor(null, params, DAY)).toMatch(/not a streamrec cold-choice snapshot/);
    expect(coldSnapshotFor({ ...good, halfLivesMs: [DAY, 30 * DAY] }, params, DAY)).toMatch(/saved for horizons/);
    // A choice that adds entry horizons does not carry on from one saved without them (nor the reverse).
    expect(coldSnapshotFor(good, { ...params, entryHalfLivesMs: [30 * DAY] }, DAY)).toMatch(/saved for entry horizons \[\] ms, this model chooses between \[2592000000\] ms/);
    expect(coldSnapshotFor({ ...good, entryHalfLivesMs: [30 * DAY] }, params, DAY)).toMatch(/saved for entry horizons/);
    expect(coldSnapshotFor(good, params, 365 * DAY)).toMatch(/tracker of the 86400000 ms horizon: not a trending snapshot/);
    expect(coldSnapshotFor({ ...good, credits: [1, -1] }, params, DAY)).toMatch(/credits/);
    expect(coldSnapshotFor({ ...good, chosen: 7 }, params, DAY)).toMatch(/chosen/);
    const trackers = good.trackers as Array<Record<string, unknown> | null>;
    expect(coldSnapshotFor({ ...good, trackers: [null, { ...trackers[1], scores: [['a', Number.NaN]] }] }, params, DAY)).toMatch(/scores are not/);
    expect(coldSnapshotFor({ ...good, trackers: [null, { ...trackers[1], halfLifeMs: DAY }] }, params, DAY)).toMatch(/half-life/);
  });
});

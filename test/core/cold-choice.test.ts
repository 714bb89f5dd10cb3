import { describe, expect, it } from 'vitest';
import { createColdChoice, DEFAULT_COLD_CHOICE } from '../../src/core/cold-choice.ts';
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

describe('cold choice', () => {
  it('serves the configured trending first, then the horizon newcomers act on', () => {
    const main = createTrending(DAY);
    const cold = createColdChoice(params, () => main, DAY);
    feedStore((id, ts) => {
      main.add(id, ts, 1);
      cold.add(id, ts, 1);
    });
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
      cold.add(id, ts, 1);
    });
    for (let n = 0; n < 5; n++) model.creditCold(model.recommend(undefined, { k: 3, userId: `new${n}` }).coldAlternatives!, 'c1');
    expect(model.cold?.halfLifeMs).toBe(365 * DAY);
    const served = model.recommend(undefined, { k: 3 });
    expect(served.cold).toBe(true);
    expect(served.items.map((i) => i.itemId).sort()).toEqual(['c0', 'c1', 'c2']);
    const user = model.applyEvent(model.newState('u'), { eventId: 'e', userId: 'u', itemId: 'f1', type: 'click', ts: 1 }, { nowMs: 1 });
    expect(model.recommend(user, { k: 3 }).coldAlternatives).toBeUndefined();
  });

  it('defaults to horizons of 1, 7, 30 and 365 days, the configured trending half-life among them', () => {
    expect(DEFAULT_COLD_CHOICE.halfLivesMs.map((h) => h / DAY)).toEqual([1, 7, 30, 365]);
    expect(DEFAULT_COLD_CHOICE.halfLivesMs).toContain(loadConfig({}).model.trendingHalfLifeMs);
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { indexVectorOf } from '../../src/core/item-space.ts';
import { createModel, type ModelParams } from '../../src/core/model.ts';
import { onlineModelParamsFrom } from '../../src/core/online-model-params.ts';
import { createTrending } from '../../src/core/trending.ts';
import type { HistoryEntry } from '../../src/core/user-state.ts';
import type { Vector } from '../../src/core/vector.ts';

const config = loadConfig({ EMBEDDING_DIM: '8' });
const dim = config.model.dim;

function unitFactor(axis: number): Vector {
  const f = new Float32Array(dim);
  f[axis] = 0.5;
  return f;
}

const event = (itemId: string, ts: number): ClickEvent => ({ eventId: `e-${itemId}-${ts}`, userId: 'u', itemId, type: 'click', ts });
const history = (...ids: string[]): HistoryEntry[] => ids.map((itemId, i) => ({ itemId, type: 'click', ts: i }));

function setup(itemPrior: number, trainedIds: string[] = []) {
  const index = createExactIndex(dim);
  const trained = new Map<string, Vector>();
  for (const [i, id] of ['a', 'b', 'c'].entries()) {
    index.upsert(id, indexVectorOf(unitFactor(i)));
    if (trainedIds.includes(id)) trained.set(id, unitFactor(i));
  }
  const trending = createTrending(config.model.trendingHalfLifeMs);
  const params: ModelParams = { ...onlineModelParamsFrom(config.model), itemPrior };
  const learning = createModel(params, { index, trending: () => trending, factorCache: { maxCached: Infinity, keepPut: true }, trained, modelVersion: () => 'test' });
  return { index, trending, learning };
}

describe('learning (items from applied events)', () => {
  it('places a new item at the mean of its contexts, and feeds trending', () => {
    const { index, trending, learning } = setup(0);
    const vector = learning.learnItem(event('new', 1000), history('a'));
    expect(vector).toBeDefined();
    expect(index.has('new')).toBe(true);
    expect(learning.factors.factorOf('new')![0]).toBeCloseTo(0.5, 5);
    expect(trending.score('new')).toBeGreaterThan(0);
    expect(learning.onlineItems).toBe(1);
  });

  it('keeps trained items as trained when itemPrior is 0, and lets them drift when it is not', () => {
    const fixed = setup(0, ['a']);
    expect(fixed.learning.learnItem(event('a', 1000), history('b'))).toBeUndefined();
    expect(fixed.learning.onlineItems).toBe(0);
    expect(fixed.trending.score('a')).toBeGreaterThan(0);

    const drifting = setup(1, ['a']);
    const moved = drifting.learning.learnItem(event('a', 1000), history('b'));
    expect(moved).toBeDefined();
    // Half trained (axis 0), half context (axis 1): m = 1 / (1 + 1).
    expect(moved![0]).toBeCloseTo(0.25, 5);
    expect(moved![1]).toBeCloseTo(0.25, 5);
  });

  it('applies an event with the item factor it knows, and a forgotten context starts afresh', () => {
    const { learning } = setup(0);
    const state = learning.applyEvent(learning.newState('u'), event('a', 1000), { nowMs: 5 });
    expect(state.vector[0]).toBeGreaterThan(0);
    expect(state.updatedAtMs).toBe(5);
    learning.learnItem(event('new', 1000), history('a'));
    learning.forgetContext('new');
    expect(learning.onlineItems).toBe(0);
  });
});

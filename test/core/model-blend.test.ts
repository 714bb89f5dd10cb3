import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createCoVisitation } from '../../src/core/co-visitation.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { itemHash } from '../../src/core/item-hash.ts';
import { createModel, type ModelParams } from '../../src/core/model.ts';
import { onlineModelParamsFrom } from '../../src/core/online-model-params.ts';
import { createSessionNeighbours } from '../../src/core/session-neighbours.ts';
import { createTrending } from '../../src/core/trending.ts';

const config = loadConfig({ EMBEDDING_DIM: '8' });

/**
 * Two sources that disagree: the rules of `h` say A follows it (score 1, × coVisitationWeight
 * 10), the sessions sharing `h` spread over B and four others (score 0.2 each, × the session
 * weight). Session weight 10 or 30 ranks A first (2 or 6 < 10), 100 ranks B first (20 > 10).
 */
function setup(blendChoice: 'learned' | 'default') {
  const neighbours = createCoVisitation();
  for (let i = 0; i < 5; i++) neighbours.observe('A', ['h']);
  const sessions = createSessionNeighbours();
  for (let s = 0; s < 20; s++) for (const item of ['h', 'B', 'C1', 'C2', 'C3', 'C4']) sessions.observe(`s${s}`, item);
  const params: ModelParams = { ...onlineModelParamsFrom(config.model), blendChoice: { sessionWeights: [10, 30, 100], memoryEvents: 50, depth: 1 } };
  const trending = createTrending(config.model.trendingHalfLifeMs);
  const model = createModel(params, { index: createExactIndex(config.model.dim), trending: () => trending, neighbours, sessions, modelVersion: () => 'test', blendChoice });
  const userAfter = (userId: string) => model.applyEvent(model.newState(userId), { eventId: `${userId}-h`, userId, itemId: 'h', type: 'click', ts: 1000 }, { nowMs: 1000 });
  return { model, userAfter };
}

describe('the model chooses its blend from what users do next', () => {
  it('ranks the alternatives over the same candidates and moves to the one whose lists users act on', () => {
    const { model, userAfter } = setup('learned');
    const first = model.recommend(userAfter('u0'), { k: 3 });
    expect(model.blend.sessionWeight).toBe(30);
    expect(first.items[0]!.itemId).toBe('A');
    // Each alternative's top (depth 1): 10 and 30 put A first, 100 puts B first.
    expect(first.alternatives).toEqual([[itemHash('A')], [itemHash('A')], [itemHash('B')]]);

    // Users go on to B: the alternative that listed it earns the credit and is served.
    for (let u = 1; u <= 5; u++) {
      const rec = model.recommend(userAfter(`u${u}`), { k: 3 });
      model.creditBlend(rec.alternatives!, 'B');
    }
    expect(model.blend.sessionWeight).toBe(100);
    expect(model.blend.credits[2]).toBeGreaterThan(model.blend.credits[1]!);
    // Five lists credited, the session-heavy one held B each time: its live HR@1 is 1.
    expect(model.blend.hitRates).toEqual([0, 0, 1]);
    expect(model.recommend(userAfter('u9'), { k: 3 }).items[0]!.itemId).toBe('B');
    // The stored ranking follows the same choice.
    expect(model.rank(userAfter('u10'), 3)!.pool.hashes[0]).toBe(itemHash('B'));
  });

  it('a process that does not see what users do next serves the default blend and ranks nothing extra', () => {
    const { model, userAfter } = setup('default');
    const rec = model.recommend(userAfter('u0'), { k: 3 });
    expect(rec.items[0]!.itemId).toBe('A');
    expect(rec.alternatives).toBeUndefined();
    model.creditBlend([[itemHash('B')], [itemHash('B')], [itemHash('B')]], 'B');
    expect(model.blend).toEqual({ sessionWeight: 30, served: '30', labels: [], credits: [], hitRates: [] });
  });
});

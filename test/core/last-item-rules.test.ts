import { describe, expect, it } from 'vitest';
import { createCoVisitation, coVisitationScores, DEFAULT_CO_VISITATION_SCORING } from '../../src/core/co-visitation.ts';
import { DEFAULT_EVENT_WEIGHTS } from '../../src/core/events.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { createNeighbourTable } from '../../src/core/neighbour-table.ts';
import { recommend } from '../../src/core/recommender.ts';
import { createTrending } from '../../src/core/trending.ts';
import { createUserState, type UserState } from '../../src/core/user-state.ts';

// Sessions where `a` is followed by `older` and `b` by `next`: a user who saw a, then b, has
// both in the rules of their recent items, `older` ahead (it gathers a's rules and more votes).
function rulesOf() {
  const rules = createCoVisitation({ window: 1, backwardWeight: 0, maxNeighbours: 100 });
  const observe = (session: string[]) => session.forEach((item, i) => rules.observe(item, session.slice(Math.max(0, i - 1), i)));
  for (let i = 0; i < 6; i++) observe(['a', 'older']);
  for (let i = 0; i < 2; i++) observe(['b', 'next']);
  for (let i = 0; i < 2; i++) observe(['b', 'filler']);
  return rules;
}

const history = (items: string[]) => items.map((itemId, j) => ({ itemId, type: 'click' as const, ts: j }));
const all = () => true;
// Scoring where the older item votes as much as the last, so `older` leads the recent items' rules.
const equalVotes = { ...DEFAULT_CO_VISITATION_SCORING, recencyDecay: 1 };

describe("the last item's own rules (what sequential rules rank by)", () => {
  it('are the last positive item\'s next-item distribution, given for the candidates the recent items proposed', () => {
    const rules = rulesOf();
    const scored = coVisitationScores(history(['a', 'b']), rules, DEFAULT_EVENT_WEIGHTS, equalVotes, 50, all);
    // Best first, ties by id (the scores come in no particular order).
    expect([...scored.scores].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).map(([id]) => id)).toEqual(['older', 'filler', 'next']);
    // b → next and b → filler, 2 of b's rule mass of 4 each; `older` is a's, not the last item's.
    expect(Object.fromEntries(scored.last)).toEqual({ next: 0.5, filler: 0.5 });
  });

  it('are empty when the last positive item has no rules, even if older items have', () => {
    const rules = rulesOf();
    const scored = coVisitationScores(history(['a', 'unknown']), rules, DEFAULT_EVENT_WEIGHTS, equalVotes, 50, all);
    expect(scored.scores.has('older')).toBe(true);
    expect(scored.last.size).toBe(0);
    // A non-positive event is not the last positive item: b's rules count as the last item's.
    const disliked = [...history(['a', 'b']), { itemId: 'x', type: 'dislike' as const, ts: 9 }];
    expect(Object.fromEntries(coVisitationScores(disliked, rules, DEFAULT_EVENT_WEIGHTS, equalVotes, 50, all).last)).toEqual({ next: 0.5, filler: 0.5 });
  });

  it('count what followed the last item only, not what came before it (rules kept both ways)', () => {
    // x came before b, next came after it: both are in b's row (x backwards at half weight).
    const both = createCoVisitation({ window: 1, backwardWeight: 0.5, maxNeighbours: 100 });
    for (let i = 0; i < 4; i++) ['x', 'b', 'next'].forEach((item, j, s) => both.observe(item, s.slice(Math.max(0, j - 1), j)));
    expect(both.rowOf('b')).toMatchObject({ ids: ['next', 'x'], weights: [4, 2], mass: 6, forward: [4, 0], forwardMass: 4 });
    const scored = coVisitationScores(history(['a', 'b']), both, DEFAULT_EVENT_WEIGHTS, equalVotes, 50, all);
    expect(scored.scores.has('x')).toBe(true);
    expect(Object.fromEntries(scored.last)).toEqual({ next: 1 });
    // A replicated row without forward parts (an older writer's) falls back to the whole weights.
    const table = createNeighbourTable();
    const { itemId, ids, weights, mass } = both.rowOf('b')!;
    table.apply({ itemId, ids, weights, mass, updatedAtMs: 1 });
    expect(Object.fromEntries(coVisitationScores(history(['b']), table, DEFAULT_EVENT_WEIGHTS, equalVotes, 50, all).last)).toEqual({ next: 4 / 6, x: 2 / 6 });
    table.apply({ ...both.rowOf('b')!, updatedAtMs: 2 });
    expect(Object.fromEntries(coVisitationScores(history(['b']), table, DEFAULT_EVENT_WEIGHTS, equalVotes, 50, all).last)).toEqual({ next: 1 });
  });

  it('lift what follows the last item to the top when the blend weighs them, and change nothing at weight 0', () => {
    const rules = rulesOf();
    const user: UserState = { ...createUserState('u', 2), history: history(['a', 'b']), eventCount: 2, seen: [] };
    const ask = (lastItemWeight: number) =>
      recommend({
        user,
        k: 2,
        index: createExactIndex(2),
        trending: createTrending(60_000),
        isAvailable: all,
        neighbours: rules,
        rerank: { candidates: 10, trendingWeight: 0, coVisitationWeight: 10, coVisitation: equalVotes, lastItemWeight },
      }).items.map((i) => i.itemId);
    expect(ask(0)[0]).toBe('older');
    // Ties between next and filler go by id: filler, then next.
    expect(ask(10)).toEqual(['filler', 'next']);
  });
});

import { describe, expect, it } from 'vitest';
import { createCoVisitation, coVisitationScores, DEFAULT_CO_VISITATION_SCORING } from '../../src/core/co-visitation.ts';
import { DEFAULT_EVENT_WEIGHTS } from '../../src/core/events.ts';
import { createNeighbourTable } from '../../src/core/neighbour-table.ts';

// Forward rules only, one step apart: sessions a → b (3 times), a → x (once), b → c (twice), b → d (once).
function rulesOf() {
  const rules = createCoVisitation({ window: 1, backwardWeight: 0, maxNeighbours: 100 });
  const observe = (session: string[]) => session.forEach((item, i) => rules.observe(item, session.slice(Math.max(0, i - 1), i)));
  for (let i = 0; i < 3; i++) observe(['a', 'b']);
  observe(['a', 'x']);
  for (let i = 0; i < 2; i++) observe(['b', 'c']);
  observe(['b', 'd']);
  return rules;
}

const history = (items: string[]) => items.map((itemId, j) => ({ itemId, type: 'click' as const, ts: j }));
const all = () => true;
const sorted = (scores: Map<string, number>) => Object.fromEntries([...scores].sort(([x], [y]) => (x < y ? -1 : 1)));

describe('two steps of the co-visitation rules', () => {
  it("reach what follows the recent item's followers, weighted through them", () => {
    const { twoStep } = DEFAULT_CO_VISITATION_SCORING;
    expect(twoStep).toBeTruthy();
    const scored = coVisitationScores(history(['a']), rulesOf(), DEFAULT_EVENT_WEIGHTS, DEFAULT_CO_VISITATION_SCORING, 50, all);
    // One step: P(b | a) = 3/4, P(x | a) = 1/4. Two: P(b | a) · P(c | b) = 3/4 · 2/3 and P(b | a) · P(d | b) = 3/4 · 1/3, times the weight.
    const w = twoStep!.weight;
    const expected = { b: 3 / 4, c: (w * 3 * 2) / (4 * 3), d: (w * 3 * 1) / (4 * 3), x: 1 / 4 };
    const got = sorted(scored.scores);
    expect(Object.keys(got)).toEqual(Object.keys(expected));
    for (const [id, v] of Object.entries(expected)) expect(got[id]).toBeCloseTo(v, 12);
  });

  it('are off without twoStep, and skip items whose rules are already well known (mass at the bound)', () => {
    const rules = rulesOf();
    const oneStep = coVisitationScores(history(['a']), rules, DEFAULT_EVENT_WEIGHTS, { ...DEFAULT_CO_VISITATION_SCORING, twoStep: undefined }, 50, all);
    expect(sorted(oneStep.scores)).toEqual({ b: 3 / 4, x: 1 / 4 });
    // a's rule mass is 4: at a bound of 4 it takes no second step.
    const known = coVisitationScores(history(['a']), rules, DEFAULT_EVENT_WEIGHTS, { ...DEFAULT_CO_VISITATION_SCORING, twoStep: { ...DEFAULT_CO_VISITATION_SCORING.twoStep!, belowMass: 4 } }, 50, all);
    expect(sorted(known.scores)).toEqual({ b: 3 / 4, x: 1 / 4 });
  });

  it("follow the heaviest rules only, equal weights by item id, the same on a learner's replicated copy", () => {
    // z → p, q, r, s once each (equal weights); each of them → its own follower.
    const rules = createCoVisitation({ window: 1, backwardWeight: 0, maxNeighbours: 100 });
    for (const f of ['s', 'q', 'r', 'p']) {
      rules.observe(f, ['z']);
      rules.observe(`${f}-next`, [f]);
    }
    const scoring = { ...DEFAULT_CO_VISITATION_SCORING, twoStep: { ...DEFAULT_CO_VISITATION_SCORING.twoStep!, fanout: 2 } };
    const scored = coVisitationScores(history(['z']), rules, DEFAULT_EVENT_WEIGHTS, scoring, 50, all);
    expect([...scored.scores.keys()].filter((id) => id.endsWith('-next')).sort()).toEqual(['p-next', 'q-next']);
    // A copy numbered in another order (published rows, heaviest first) steps through the same items.
    const table = createNeighbourTable();
    for (const id of ['r', 's', 'p', 'q', 'z']) {
      const row = rules.rowOf(id);
      if (row) table.apply({ ...row, updatedAtMs: 1 });
    }
    expect(sorted(coVisitationScores(history(['z']), table, DEFAULT_EVENT_WEIGHTS, scoring, 50, all).scores)).toEqual(sorted(scored.scores));
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_WEIGHTS, type ClickEvent, type EventType } from '../../../src/core/events.ts';
import { createVsknnModel, type VsknnOptions } from '../../../src/eval/baselines/vsknn.ts';

let n = 0;
const ev = (userId: string, itemId: string, type: EventType = 'view'): ClickEvent => ({ eventId: `e${++n}`, userId, itemId, type, ts: 1_700_000_000_000 + n });

function trained(overrides: Partial<VsknnOptions> = {}) {
  const model = createVsknnModel({ weights: DEFAULT_EVENT_WEIGHTS, neighbours: 100, sampleSize: 500, weighting: 'div', sessionsPerItem: 1000, ...overrides });
  for (const [session, items] of [['n1', 'abc'], ['n2', 'bd'], ['n3', 'xy'], ['me', 'ab']] as const) {
    for (const item of items) model.learn(ev(session, item));
  }
  return model;
}

describe('V-SKNN baseline', () => {
  it('similarity = position-weighted shared items / distinct items; score = Σ similarity / step', () => {
    const model = trained();
    // me = a b: weights a 1/2, b 2/2. sim(n1 = abc) = 1.5, sim(n2 = bd) = 1; both share b, the last
    // item (step 1): c gets 1.5/2 = 0.75, d gets 1/2 = 0.5; x and y (unrelated) fill by popularity.
    expect(model.recommend('me', 3, new Set(['a', 'b']), 0)).toEqual(['c', 'd', 'x']);
    // other = d x: sim(n3 = xy) = 1 at step 1 → y 0.5; sim(n2 = bd) = 0.5 at step 2 → b 0.125.
    model.learn(ev('other', 'd'));
    model.learn(ev('other', 'x'));
    expect(model.recommend('other', 2, new Set(['d', 'x']), 0)).toEqual(['y', 'b']);
    // Negative events are not in the session; a new session gets popularity.
    model.learn(ev('other', 'c', 'dislike'));
    expect(model.recommend('other', 1, new Set(['d', 'x']), 0)).toEqual(['y']);
    expect(model.recommend('nobody', 2, new Set(), 0)).toEqual(['b', 'a']); // b 3, then a and d 2 (ties by id)
  });

  it('neighbours, sample and sessions per item bound the candidates', () => {
    // One neighbour: the most similar (n1) alone decides the first place.
    expect(trained({ neighbours: 1 }).recommend('me', 1, new Set(['a', 'b']), 0)).toEqual(['c']);
    // Sample of one: only the most recently active candidate (n2) is a neighbour.
    expect(trained({ sampleSize: 1 }).recommend('me', 1, new Set(['a', 'b']), 0)).toEqual(['d']);
    // One session per item: a and b remember only "me" itself, never its own neighbour → popularity.
    expect(trained({ sessionsPerItem: 1 }).recommend('me', 3, new Set(['a', 'b']), 0)).toEqual(['c', 'd', 'x']);
    expect(trained({ sessionsPerItem: 1 }).recommend('me', 1, new Set(['a', 'b', 'c']), 0)).toEqual(['d']);
  });

  it('linear weighting counts only the last ten positions', () => {
    const pick = (weighting: VsknnOptions['weighting']) => {
      const model = createVsknnModel({ weights: DEFAULT_EVENT_WEIGHTS, neighbours: 100, sampleSize: 500, weighting, sessionsPerItem: 1000 });
      for (const item of ['old', 'p']) model.learn(ev('n1', item));
      for (const item of ['z', 'z']) model.learn(ev(`z${item}${n}`, item));
      model.learn(ev('me', 'old'));
      for (let i = 0; i < 10; i++) model.learn(ev('me', `f${i}`));
      return model.recommend('me', 1, new Set(['old', ...Array.from({ length: 10 }, (_, i) => `f${i}`)]), 0);
    };
    // 'old' is 11th from the end: 'div' still weighs it (1/11), so n1 is a neighbour and p scores;
    // 'linear' gives it 0, so n1 is none and the most popular item (z) fills.
    expect(pick('div')).toEqual(['p']);
    expect(pick('linear')).toEqual(['z']);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_WEIGHTS, type ClickEvent, type EventType } from '../../src/core/events.ts';
import { createItemKnnModel } from '../../src/eval/baselines/item-knn.ts';
import type { EvalModel } from '../../src/eval/eval-model.ts';
import { createPopularityModel } from '../../src/eval/models/popularity.ts';
import { runPrequential } from '../../src/eval/prequential.ts';

let n = 0;
const ev = (userId: string, itemId: string, ts: number, type: EventType = 'view'): ClickEvent => ({ eventId: `e${++n}`, userId, itemId, type, ts });
const T = 1_700_000_000_000;

describe('prequential replay', () => {
  it('tests before learning, only positive events on items new to the user, with seen items excluded', () => {
    const calls: string[] = [];
    const spy: EvalModel = {
      name: 'spy',
      recommend(userId, k, exclude) {
        expect(k).toBe(20); // max(k, 20): metrics at k and at 20 from one list
        calls.push(`rec ${userId} [${[...exclude].join(',')}]`);
        return ['b'];
      },
      learn(e) {
        calls.push(`learn ${e.itemId}`);
      },
    };
    const events = [ev('u', 'a', T), ev('u', 'b', T + 1), ev('u', 'a', T + 2), ev('u', 'c', T + 3, 'dislike'), ev('v', 'b', T + 4)];
    const r = runPrequential(events, [spy], { k: 2, weights: DEFAULT_EVENT_WEIGHTS, windowCases: 2 });
    expect(calls).toEqual([
      'rec u []',
      'learn a',
      'rec u [a]',
      'learn b',
      'learn a', // repeat: learned, not tested
      'learn c', // negative: learned, not tested
      'rec v []',
      'learn b',
    ]);
    const m = r.models[0]!;
    expect(m.cases).toBe(3);
    expect(m.hitRate).toBeCloseTo(2 / 3, 12); // 'b' was right for the 2nd and 3rd case
    expect(m.hitRate20).toBeCloseTo(2 / 3, 12);
    expect(r).toMatchObject({ events: 5, users: 2, items: 3, coldUserCases: 2, coldItemCases: 2 });
    expect(m.windowHitRate).toEqual([0.5]); // one full window of 2 cases: miss, hit
    expect(r.windowEnds).toEqual([{ eventIndex: 1, ts: T + 1 }]);
  });

  it("judges each user's second item as an item page: the model's `beside` list for the first item, and every list there", () => {
    const asked: string[] = [];
    const pages: EvalModel = {
      name: 'pages',
      recommend: () => ['x'],
      learn() {},
      beside(itemId, k) {
        expect(k).toBe(2);
        asked.push(itemId);
        return itemId === 'a' ? ['b', 'z'] : ['z'];
      },
    };
    const plain: EvalModel = { name: 'plain', recommend: () => ['b'], learn() {} };
    const events = [
      ev('u', 'a', T),
      ev('u', 'a', T + 1), // a repeat of the only item: not a test case, still one item
      ev('u', 'b', T + 2), // u's second item: the page of a (beside hits b)
      ev('u', 'c', T + 3), // third: no page
      ev('v', 'd', T + 4, 'dislike'), // not positive: v still has no item
      ev('v', 'e', T + 5),
      ev('v', 'x', T + 6), // v's second item: the page of e (beside misses x, the lists hit it)
    ];
    const r = runPrequential(events, [pages, plain], { k: 2, weights: DEFAULT_EVENT_WEIGHTS, windowCases: 10 });
    expect(asked).toEqual(['a', 'e']);
    expect(r.itemPageCases).toBe(2);
    expect(r.models[0]).toMatchObject({ besideHitRate: 0.5, itemPageHitRate: 0.5 });
    expect(r.models[1]!.itemPageHitRate).toBe(0.5);
    expect(r.models[1]!.besideHitRate).toBeUndefined();
  });

  it('popularity follows the production trending with decay', () => {
    const pop = createPopularityModel({ weights: DEFAULT_EVENT_WEIGHTS, halfLifeMs: 1000 });
    pop.learn(ev('u1', 'old', T, 'purchase'));
    pop.learn(ev('u2', 'old', T));
    pop.learn(ev('u3', 'new', T + 10_000, 'click'));
    expect(pop.recommend('x', 2, new Set(), T + 10_000)).toEqual(['new', 'old']);
    expect(pop.recommend('x', 2, new Set(['new']), T + 10_000)).toEqual(['old']);
  });
});

describe('item-kNN baseline', () => {
  it('scores by summed cosine co-occurrence with the recent history', () => {
    const knn = createItemKnnModel({ weights: DEFAULT_EVENT_WEIGHTS, windowItems: 10, historyItems: 10 });
    // a co-occurs with b twice and with c once; d is popular but never with a.
    for (const [u, items] of [['u1', ['a', 'b']], ['u2', ['a', 'b']], ['u3', ['a', 'c']], ['u4', ['d']], ['u5', ['d']], ['u6', ['d']]] as const) {
      items.forEach((item, i) => knn.learn(ev(u, item, T + i)));
    }
    knn.learn(ev('me', 'a', T + 10));
    // sim(a,b) = 2/sqrt(4*2) = 0.707 > sim(a,c) = 1/sqrt(4*1) = 0.5; d fills by popularity.
    expect(knn.recommend('me', 3, new Set(['a']), T + 11)).toEqual(['b', 'c', 'd']);
    expect(knn.recommend('me', 3, new Set(['a', 'b']), T + 11)).toEqual(['c', 'd']);
    // Cold user: popularity order (a 4, d 3, b 2, c 1).
    expect(knn.recommend('nobody', 2, new Set(), T + 11)).toEqual(['a', 'd']);
    // Negative events neither co-occur nor count.
    knn.learn(ev('me', 'c', T + 12, 'dislike'));
    expect(knn.recommend('me', 1, new Set(['a']), T + 13)).toEqual(['b']);
  });
});

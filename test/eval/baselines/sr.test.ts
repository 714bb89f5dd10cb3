import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_WEIGHTS, type ClickEvent, type EventType } from '../../../src/core/events.ts';
import { createSequentialRulesModel } from '../../../src/eval/baselines/sr.ts';

let n = 0;
const ev = (userId: string, itemId: string, type: EventType = 'view'): ClickEvent => ({ eventId: `e${++n}`, userId, itemId, type, ts: 1_700_000_000_000 + n });

describe('sequential rules baseline', () => {
  it('weights a → b by 1/distance within `steps`, recommends by the last item, fills by popularity', () => {
    const sr = createSequentialRulesModel({ weights: DEFAULT_EVENT_WEIGHTS, steps: 2 });
    // s1: a b c d → a→b 1, a→c 1/2, b→c 1, b→d 1/2, c→d 1 (a→d is 3 apart: beyond steps).
    // s2: a c → a→c 1 more (1.5 in all).
    for (const item of ['a', 'b', 'c', 'd']) sr.learn(ev('s1', item));
    for (const item of ['a', 'c']) sr.learn(ev('s2', item));
    for (const item of ['z', 'z', 'z', 'z']) sr.learn(ev('s3', item)); // z is the most popular; z → z is no rule
    sr.learn(ev('me', 'a'));
    expect(sr.recommend('me', 2, new Set(['a']), 0)).toEqual(['c', 'b']);
    // Only a's rules score; d is not among them, so popularity fills after c and b.
    expect(sr.recommend('me', 4, new Set(['a']), 0)).toEqual(['c', 'b', 'z', 'd']);
    // The last item decides: after b, the rules are b→c 1 and b→d 1/2.
    sr.learn(ev('me', 'b'));
    expect(sr.recommend('me', 2, new Set(['a', 'b']), 0)).toEqual(['c', 'd']);
    // A cold session gets popularity; negative events are neither rules nor the last item.
    expect(sr.recommend('nobody', 2, new Set(), 0)).toEqual(['z', 'a']);
    sr.learn(ev('me', 'd', 'dislike'));
    expect(sr.recommend('me', 1, new Set(['a', 'b']), 0)).toEqual(['c']);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_WEIGHTS, type ClickEvent, type EventType } from '../../src/core/events.ts';
import { createSessionNeighbours, DEFAULT_SESSION_NEIGHBOUR_PARAMS, type SessionNeighbourParams } from '../../src/core/session-neighbours.ts';
import type { HistoryEntry } from '../../src/core/user-state.ts';
import { createVsknnModel } from '../../src/eval/baselines/vsknn.ts';
import { generateSynthetic } from '../../src/datasets/synthetic.ts';

const all = () => true;
const hist = (items: string, type: EventType = 'view'): HistoryEntry[] => [...items].map((itemId, j) => ({ itemId, type, ts: j }));
// scores() returns its candidates in no particular order: best first, ties by id, for comparing.
const ranked = (scores: Map<string, number>): string[] => [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);

function indexOf(sessions: Array<[string, string]>, params: Partial<SessionNeighbourParams> = {}) {
  const index = createSessionNeighbours({ ...DEFAULT_SESSION_NEIGHBOUR_PARAMS, ...params });
  for (const [user, items] of sessions) for (const item of items) index.observe(user, item);
  return index;
}

describe('session neighbours (V-SKNN as a candidate source)', () => {
  it('scores a share of the neighbours’ similarity / step, normalised to a distribution, never the user’s own items', () => {
    const index = indexOf([['n1', 'abc'], ['n2', 'bd'], ['n3', 'xy'], ['me', 'ab']]);
    // me = a b: sim(n1) = 1/2 + 2/2 = 1.5, sim(n2) = 1; divided by 2 distinct items, step 1 (both share b):
    // every item of n1 gets 0.75, of n2 0.5; the total spread is 3 · 0.75 + 2 · 0.5 = 3.25.
    const scores = index.scores('me', hist('ab'), DEFAULT_EVENT_WEIGHTS, 10, all);
    expect(ranked(scores)).toEqual(['c', 'd']);
    expect(scores.get('c')).toBeCloseTo(0.75 / 3.25, 12);
    expect(scores.get('d')).toBeCloseTo(0.5 / 3.25, 12);
    // limit and accept apply; unknown items or negative-only history propose nothing.
    expect([...index.scores('me', hist('ab'), DEFAULT_EVENT_WEIGHTS, 1, all).keys()]).toEqual(['c']);
    expect([...index.scores('me', hist('ab'), DEFAULT_EVENT_WEIGHTS, 10, (id) => id !== 'c').keys()]).toEqual(['d']);
    expect(index.scores('me', hist('qr'), DEFAULT_EVENT_WEIGHTS, 10, all).size).toBe(0);
    expect(index.scores('me', hist('ab', 'dislike'), DEFAULT_EVENT_WEIGHTS, 10, all).size).toBe(0);
    expect(index.sessions).toBe(4);
  });

  it('the user’s own session is never a neighbour', () => {
    const index = indexOf([['me', 'abz']]);
    expect(index.scores('me', hist('ab'), DEFAULT_EVENT_WEIGHTS, 10, all).size).toBe(0);
    expect([...index.scores('other', hist('ab'), DEFAULT_EVENT_WEIGHTS, 10, all).keys()]).toEqual(['z']);
  });

  it('forgets the least recently active session past maxSessions, and a reused slot carries none of its items', () => {
    const index = indexOf([['old', 'ap'], ['mid', 'bq']], { maxSessions: 2 });
    index.observe('mid', 'b'); // mid active again: old is now the least recent
    index.observe('new', 'c'); // takes old's slot
    expect(index.sessions).toBe(2);
    // a's holder entry points at the reused slot: stale, so a finds no neighbour (new holds only c).
    expect(index.scores('me', hist('a'), DEFAULT_EVENT_WEIGHTS, 10, all).size).toBe(0);
    expect([...index.scores('me', hist('b'), DEFAULT_EVENT_WEIGHTS, 10, all).keys()]).toEqual(['q']);
  });

  it('keeps the newest itemsPerSession items of a session', () => {
    const index = indexOf([['n', 'abcd']], { itemsPerSession: 2 });
    // n remembers c d; a still finds n (it was in the session), which proposes what it holds now.
    expect([...index.scores('me', hist('a'), DEFAULT_EVENT_WEIGHTS, 10, all).keys()].sort()).toEqual(['c', 'd']);
  });

  it('only the newest recentItems distinct items look for neighbours', () => {
    const index = indexOf([['n1', 'ax'], ['n2', 'by']], { recentItems: 1 });
    expect([...index.scores('me', hist('ab'), DEFAULT_EVENT_WEIGHTS, 10, all).keys()]).toEqual(['y']);
  });

  it('ranks as the V-SKNN baseline does when no bound is reached', () => {
    const { events } = generateSynthetic({ users: 150, items: 120, events: 4000, seed: 3 });
    const index = createSessionNeighbours({ ...DEFAULT_SESSION_NEIGHBOUR_PARAMS, itemsPerSession: 10_000, recentItems: 10_000, sessionsPerItem: 1000, sampleSize: 500, neighbours: 100 });
    const baseline = createVsknnModel({ weights: DEFAULT_EVENT_WEIGHTS, neighbours: 100, sampleSize: 500, weighting: 'div', sessionsPerItem: 1000 });
    const histories = new Map<string, HistoryEntry[]>();
    let compared = 0;
    events.forEach((e: ClickEvent, i) => {
      const h = histories.get(e.userId) ?? [];
      if (i % 7 === 0 && h.length > 0) {
        const seen = new Set(h.map((x) => x.itemId));
        const all = index.scores(e.userId, h, DEFAULT_EVENT_WEIGHTS, 10_000, (id) => !seen.has(id));
        const ours = ranked(all).slice(0, 5).map((id) => all.get(id)!);
        // Position by position the baseline's items score what ours do (ties may be cut differently);
        // it fills short lists by popularity, so only the neighbours' part is compared.
        const theirs = baseline.recommend(e.userId, 5, seen, 0).slice(0, ours.length);
        theirs.forEach((id, r) => expect(all.get(id) ?? 0).toBeCloseTo(ours[r]!, 12));
        compared += ours.length;
      }
      baseline.learn(e);
      if (DEFAULT_EVENT_WEIGHTS[e.type] > 0) {
        index.observe(e.userId, e.itemId);
        h.push({ itemId: e.itemId, type: e.type, ts: e.ts });
        histories.set(e.userId, h);
      }
    });
    expect(compared).toBeGreaterThan(1000);
  });

  it('scores the same whether it accumulates in a dense array or a hash table (large catalogues)', () => {
    const { events } = generateSynthetic({ users: 200, items: 300, events: 5000, seed: 11 });
    const dense = createSessionNeighbours(DEFAULT_SESSION_NEIGHBOUR_PARAMS);
    const hashed = createSessionNeighbours(DEFAULT_SESSION_NEIGHBOUR_PARAMS, 0);
    const histories = new Map<string, HistoryEntry[]>();
    let compared = 0;
    events.forEach((e: ClickEvent, i) => {
      const h = histories.get(e.userId) ?? [];
      if (i % 5 === 0 && h.length > 0) {
        const a = [...dense.scores(e.userId, h, DEFAULT_EVENT_WEIGHTS, 50, all)];
        expect([...hashed.scores(e.userId, h, DEFAULT_EVENT_WEIGHTS, 50, all)]).toEqual(a);
        compared += a.length;
      }
      if (DEFAULT_EVENT_WEIGHTS[e.type] > 0) {
        dense.observe(e.userId, e.itemId);
        hashed.observe(e.userId, e.itemId);
        h.push({ itemId: e.itemId, type: e.type, ts: e.ts });
        histories.set(e.userId, h);
      }
    });
    expect(compared).toBeGreaterThan(1000);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../src/core/events.ts';
import { createRandom } from '../../src/core/random.ts';
import { generateSynthetic } from '../../src/datasets/synthetic.ts';

const small = { users: 300, items: 200, events: 8000, clusters: 8 };

describe('synthetic clickstream', () => {
  it('is deterministic per seed and differs across seeds', () => {
    expect(generateSynthetic({ ...small, seed: 1 }).events).toEqual(generateSynthetic({ ...small, seed: 1 }).events);
    expect(generateSynthetic({ ...small, seed: 2 }).events).not.toEqual(generateSynthetic({ ...small, seed: 1 }).events);
    const r = createRandom(9);
    const xs = Array.from({ length: 1000 }, r);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('the committed demo data is exactly what data/README.md says generated it (the defaults, seed 42)', () => {
    const { events } = generateSynthetic({ users: 1000, items: 500, events: 30_000, seed: 42 });
    const text = events.map((e) => `${JSON.stringify(e)}\n`).join('');
    expect(text === readFileSync(new URL('../../data/demo-clickstream.jsonl', import.meta.url), 'utf8')).toBe(true);
  });

  it('writes valid, time-ordered events of the project schema with sessions', () => {
    const { events } = generateSynthetic({ ...small, seed: 3 });
    expect(events).toHaveLength(small.events);
    for (let i = 0; i < events.length; i++) {
      expect(parseEvent(JSON.parse(JSON.stringify(events[i])), Date.UTC(2030, 0, 1))).toEqual({ ok: true, event: events[i] });
      if (i > 0) expect(events[i]!.ts).toBeGreaterThanOrEqual(events[i - 1]!.ts);
    }
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    const types = new Set(events.map((e) => e.type));
    expect([...types].sort()).toEqual(['add_to_cart', 'click', 'dislike', 'purchase', 'remove_from_cart', 'view']);
    const sessions = new Set(events.map((e) => e.sessionId));
    expect(events.length / sessions.size).toBeGreaterThan(3);
  });

  it('plants order with --sequential: what follows an item in a session concentrates on its few successors', () => {
    // Per item, the share of the in-session transitions from it taken by its 3 most frequent next items.
    const concentration = (sequential: number) => {
      const { events } = generateSynthetic({ ...small, seed: 5, sequential });
      const lastOf = new Map<string, string>();
      const next = new Map<string, Map<string, number>>();
      for (const e of events) {
        const previous = lastOf.get(e.sessionId!);
        lastOf.set(e.sessionId!, e.itemId);
        if (previous === undefined) continue;
        const row = next.get(previous) ?? new Map<string, number>();
        row.set(e.itemId, (row.get(e.itemId) ?? 0) + 1);
        next.set(previous, row);
      }
      let top = 0;
      let all = 0;
      for (const row of next.values()) {
        const counts = [...row.values()].sort((a, b) => b - a);
        top += counts.slice(0, 3).reduce((a, b) => a + b, 0);
        all += counts.reduce((a, b) => a + b, 0);
      }
      return top / all;
    };
    const none = concentration(0);
    const strong = concentration(0.6);
    expect(strong).toBeGreaterThan(0.6);
    expect(strong - none).toBeGreaterThan(0.15);
  });

  it('plants popularity skew, new items arriving over time, and a taste change', () => {
    const { events, truth } = generateSynthetic({ ...small, seed: 4, driftShare: 1, noise: 0.1 });
    const counts = new Map<string, number>();
    for (const e of events) counts.set(e.itemId, (counts.get(e.itemId) ?? 0) + 1);
    const sorted = [...counts.values()].sort((a, b) => b - a);
    const top10pct = sorted.slice(0, Math.ceil(small.items / 10)).reduce((a, b) => a + b, 0);
    expect(top10pct / events.length).toBeGreaterThan(0.25); // uniform would be 0.10

    const late = [...truth.arrivalTsOfItem].filter(([, ts]) => ts > events[0]!.ts);
    expect(late.length).toBeGreaterThan(small.items * 0.1);
    for (const e of events) expect(e.ts).toBeGreaterThanOrEqual(truth.arrivalTsOfItem.get(e.itemId)!);

    // Before the drift users act in their old clusters, after it in their new ones.
    const share = (from: number, to: number, which: 'before' | 'after') => {
      const slice = events.slice(from, to);
      const inTaste = slice.filter((e) => truth.tastes.get(e.userId)![which].includes(truth.clusterOfItem.get(e.itemId)!));
      return inTaste.length / slice.length;
    };
    const d = truth.driftEventIndex;
    expect(events[d]!.ts).toBeGreaterThanOrEqual(truth.driftTs);
    expect(share(0, d, 'before')).toBeGreaterThan(0.8);
    expect(share(d, events.length, 'after')).toBeGreaterThan(0.8);
    expect(share(d, events.length, 'before')).toBeLessThan(0.2);
  });
});

import { describe, expect, it } from 'vitest';
import { createTrending } from '../../src/core/trending.ts';

const H = 1000;

describe('trending (decayed popularity)', () => {
  it('decays scores with the half-life, measured in event time', () => {
    const t = createTrending(H);
    t.add('a', 10_000, 4);
    expect(t.score('a')).toBeCloseTo(4, 10);
    t.add('b', 11_000, 1);
    // One half-life later: a = 4 / 2, b = 1.
    expect(t.score('a')).toBeCloseTo(2, 10);
    t.add('b', 13_000, 1);
    // a = 4 · 2^-3 = 0.5; b = 1 · 2^-2 + 1 = 1.25.
    expect(t.score('a')).toBeCloseTo(0.5, 10);
    expect(t.score('b')).toBeCloseTo(1.25, 10);
    expect(t.top(2)).toEqual([
      { itemId: 'b', score: expect.closeTo(1.25, 10) },
      { itemId: 'a', score: expect.closeTo(0.5, 10) },
    ]);
  });

  it('ignores non-positive weights and unknown items score 0', () => {
    const t = createTrending(H);
    t.add('a', 5000, -4);
    t.add('a', 5000, 0);
    expect(t.size).toBe(0);
    expect(t.score('zzz')).toBe(0);
    expect(t.top(3)).toEqual([]);
  });

  it('keeps an exact top-N under many updates, with filters reaching past the cache', () => {
    const t = createTrending(H);
    const truth = new Map<string, number>();
    let ts = 1_000_000;
    let seed = 1;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let e = 0; e < 20_000; e++) {
      ts += Math.floor(next() * 20);
      const id = `i${Math.floor(next() ** 2 * 2000)}`;
      t.add(id, ts, 1);
    }
    // Recompute from the exported snapshot independently.
    const snap = t.toJSON();
    for (const [id, s] of snap.scores) truth.set(id, s * 2 ** (-(snap.nowTs - snap.anchorTs) / H));
    const expected = [...truth.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    expect(t.top(50).map((x) => x.itemId)).toEqual(expected.slice(0, 50).map(([id]) => id));
    const odd = (id: string) => Number(id.slice(1)) % 2 === 1;
    expect(t.top(900, odd).map((x) => x.itemId)).toEqual(expected.filter(([id]) => odd(id)).slice(0, 900).map(([id]) => id));
  });

  it('re-anchors over long spans without overflow and round-trips through its snapshot', () => {
    const t = createTrending(H);
    t.add('old', 0 + 1_000_000, 1);
    t.add('new', 1_000_000 + 600 * H, 1);
    expect(Number.isFinite(t.score('new'))).toBe(true);
    expect(t.score('new')).toBeCloseTo(1, 10);
    expect(t.score('old')).toBeCloseTo(2 ** -600, 300);
    const copy = createTrending(H, JSON.parse(JSON.stringify(t.toJSON())));
    expect(copy.top(2)).toEqual(t.top(2));
    copy.add('old', 1_000_000 + 600 * H, 3);
    expect(copy.top(1)[0]!.itemId).toBe('old');
  });

  it('forgets removed items', () => {
    const t = createTrending(H);
    t.add('a', 5000, 3);
    t.add('b', 5000, 1);
    t.top(2);
    t.remove('a');
    expect(t.top(2).map((x) => x.itemId)).toEqual(['b']);
  });

  it('a snapshot with a limit keeps the highest scores, and restores to the same top', () => {
    const t = createTrending(60_000);
    for (let i = 0; i < 50; i++) for (let n = 0; n <= i; n++) t.add(`i${i}`, 1000 + i, 1);
    const all = t.toJSON();
    expect(all.scores).toHaveLength(50);
    const best = t.toJSON(10);
    expect(best.scores.map(([id]) => id).sort()).toEqual(Array.from({ length: 10 }, (_, n) => `i${40 + n}`));
    expect(createTrending(60_000, best).top(10)).toEqual(t.top(10));
    expect(t.toJSON(100).scores).toHaveLength(50);
  });
});

import { describe, expect, it } from 'vitest';
import { createFirstSeen } from '../../src/core/first-seen.ts';

describe('first seen', () => {
  it("says which events are a user's first, and remembers every user it was asked about", () => {
    const seen = createFirstSeen(100);
    expect(seen.first('u1')).toBe(true);
    expect(seen.first('u1')).toBe(false);
    expect(seen.first('u2')).toBe(true);
    expect(seen.first('u1')).toBe(false);
    expect(seen.size).toBe(2);
  });

  it('stays bounded: a user inactive for two generations counts as new again, an active one never', () => {
    const perGeneration = 1000;
    const seen = createFirstSeen(perGeneration);
    expect(seen.first('regular')).toBe(true);
    let firsts = 0;
    for (let u = 0; u < 10 * perGeneration; u++) {
      if (seen.first(`visitor${u}`)) firsts++;
      // The regular acts every 100 new visitors: carried into each new generation.
      if (u % 100 === 0) expect(seen.first('regular')).toBe(false);
    }
    expect(firsts).toBe(10 * perGeneration);
    expect(seen.size).toBeLessThanOrEqual(2 * perGeneration);
    expect(seen.first('visitor0')).toBe(true); // forgotten: nine generations ago
    expect(seen.first(`visitor${10 * perGeneration - 1}`)).toBe(false); // the newest are remembered
  });

  it('comes back from its snapshot as it was: the same users known, in the same generations', () => {
    const perGeneration = 50;
    const seen = createFirstSeen(perGeneration);
    for (let u = 0; u < 80; u++) seen.first(`u${u}`); // u0..u49 older, u50..u79 newer
    const snapshot = seen.snapshot();
    expect(snapshot.older.length + snapshot.newer.length).toBe(80);
    expect(snapshot.newer).not.toContain(0);
    const restored = createFirstSeen(perGeneration, snapshot);
    expect(restored.size).toBe(80);
    // The same answers from here on, to the known, the new and, after the next rotation, the forgotten.
    // The 30 later users fill the newer generation, so the older one (u0..u49) is dropped:
    // u3, asked before, was carried over; u10 and u0 were not.
    const asks = ['u3', 'u60', 'new1', ...Array.from({ length: 30 }, (_, i) => `later${i}`), 'u3', 'u10', 'u79', 'new1', 'u0'];
    const answers = asks.map((id) => restored.first(id));
    expect(answers).toEqual(asks.map((id) => seen.first(id)));
    expect(answers.slice(0, 3)).toEqual([false, false, true]);
    expect(answers.slice(-5)).toEqual([false, true, false, false, true]);
  });

  it('restores into a smaller generation size keeping the newest users', () => {
    const seen = createFirstSeen(100);
    for (let u = 0; u < 150; u++) seen.first(`u${u}`);
    const smaller = createFirstSeen(20, seen.snapshot());
    expect(smaller.size).toBeLessThanOrEqual(40);
    expect(smaller.first('u149')).toBe(false);
  });
});

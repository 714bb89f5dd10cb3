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
});

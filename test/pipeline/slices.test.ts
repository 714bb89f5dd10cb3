import { describe, expect, it } from 'vitest';
import { sliceByUsers } from '../../src/pipeline/slices.ts';

const msgs = (keys: Array<string | null>) => keys.map((k) => ({ key: k === null ? null : Buffer.from(k) }));

describe('sliceByUsers', () => {
  it('keeps a batch whole while its distinct users fit, however many events', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `user-${i % 50}`);
    expect(sliceByUsers(msgs(keys), 50)).toEqual([[0, 10_000]]);
  });

  it('cuts before the first new user past the cap; repeat users never cut', () => {
    expect(sliceByUsers(msgs(['a', 'b', 'a', 'c', 'b', 'd', 'c', 'a']), 2)).toEqual([
      [0, 3],
      [3, 5],
      [5, 7],
      [7, 8],
    ]);
  });

  it('bounds events per slice too, and covers every message exactly once (keyless ones as one user)', () => {
    const keys = [null, null, 'x', null, 'x', 'y', null];
    const slices = sliceByUsers(msgs(keys), 10, 3);
    expect(slices).toEqual([
      [0, 3],
      [3, 6],
      [6, 7],
    ]);
    expect(sliceByUsers(msgs([]), 10)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { catalogCoverage, createMetricsAccumulator, hitAtK, ndcgAtK, rankAtK, reciprocalRankAtK } from '../../src/core/metrics.ts';

describe('ranking metrics', () => {
  it('ranks are 1-based and cut at k', () => {
    expect(rankAtK(['a', 'b', 'c'], 'a', 3)).toBe(1);
    expect(rankAtK(['a', 'b', 'c'], 'c', 3)).toBe(3);
    expect(rankAtK(['a', 'b', 'c'], 'c', 2)).toBe(0);
    expect(rankAtK(['a'], 'z', 10)).toBe(0);
    expect(rankAtK([], 'a', 10)).toBe(0);
  });

  it('per-case values match hand computation', () => {
    expect(hitAtK(0)).toBe(0);
    expect(hitAtK(7)).toBe(1);
    expect(ndcgAtK(1)).toBe(1);
    expect(ndcgAtK(3)).toBeCloseTo(0.5, 12); // 1/log2(4)
    expect(ndcgAtK(2)).toBeCloseTo(0.6309297535714575, 12); // 1/log2(3)
    expect(ndcgAtK(0)).toBe(0);
    expect(reciprocalRankAtK(4)).toBe(0.25);
    expect(reciprocalRankAtK(0)).toBe(0);
  });

  it('accumulates means over cases: hit at 1, hit at 3, miss, hit at 2 beyond k', () => {
    const m = createMetricsAccumulator(3);
    expect(m.add(['x', 'y', 'z'], 'x')).toBe(1);
    expect(m.add(['x', 'y', 'z'], 'z')).toBe(3);
    expect(m.add(['p', 'q', 'r'], 'x')).toBe(0);
    // only the first k=3 count: 'w' at position 4 is a miss
    expect(m.add(['x', 'y', 'z', 'w'], 'w')).toBe(0);
    const s = m.summary(10);
    expect(s.cases).toBe(4);
    expect(s.hitRate).toBe(0.5); // 2 of 4
    expect(s.ndcg).toBeCloseTo((1 + 0.5) / 4, 12);
    expect(s.mrr).toBeCloseTo((1 + 1 / 3) / 4, 12);
    // distinct items in top-3 lists: x y z p q r = 6 of a 10-item catalog
    expect(s.distinctRecommended).toBe(6);
    expect(s.coverage).toBeCloseTo(0.6, 12);
  });

  it('HR@20 and MRR@20 come from the same list as the metrics at k', () => {
    const m = createMetricsAccumulator(3);
    expect(m.listLength).toBe(20);
    const list = Array.from({ length: 20 }, (_, i) => `i${i}`);
    expect(m.add(list, 'i1')).toBe(2);
    expect(m.add(list, 'i14')).toBe(0); // beyond k = 3, within 20
    expect(m.add(list, 'z')).toBe(0);
    const s = m.summary(100);
    expect(s.hitRate).toBeCloseTo(1 / 3, 12);
    expect(s.hitRate20).toBeCloseTo(2 / 3, 12);
    expect(s.mrr20).toBeCloseTo((1 / 2 + 1 / 15) / 3, 12);
    expect(s.distinctRecommended).toBe(3); // coverage counts the top k only
    expect(createMetricsAccumulator(50).listLength).toBe(50);
  });

  it('empty accumulator and empty catalog give zeros, bad k is refused', () => {
    const s = createMetricsAccumulator(10).summary(0);
    expect(s).toMatchObject({ cases: 0, hitRate: 0, ndcg: 0, mrr: 0, hitRate20: 0, mrr20: 0, coverage: 0 });
    expect(catalogCoverage(new Set(['a']), 0)).toBe(0);
    expect(() => createMetricsAccumulator(0)).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { modelLineage, refitVersionName } from '../../src/core/model-version.ts';
import { modelTag } from '../../src/core/recommender.ts';

describe('model versions and their lineage', () => {
  it('a refit aligned onto a version carries on its lineage, through any number of refits', () => {
    const trained = 'v1764500000000';
    const r1 = refitVersionName(1764500100000, trained);
    const r2 = refitVersionName(1764500200000, r1);
    expect(r1).toBe('v1764500000000~v1764500100000');
    expect(r2).toBe('v1764500000000~v1764500200000');
    expect([modelLineage(trained), modelLineage(r1), modelLineage(r2)]).toEqual([trained, trained, trained]);
    expect(new Set([modelTag(trained), modelTag(r1), modelTag(r2)]).size).toBe(1);
  });

  it('a refit with nothing to align onto, or a train, starts a new one', () => {
    const fresh = refitVersionName(1764500300000, undefined);
    expect(fresh).toBe('v1764500300000');
    expect(modelLineage(fresh)).toBe(fresh);
    expect(modelTag(fresh)).not.toBe(modelTag('v1764500000000~v1764500200000'));
    // Any version without `~` (a train's, an operator's name) is its own lineage.
    expect(modelLineage('bench')).toBe('bench');
    expect(modelTag('bench')).not.toBe(modelTag('none'));
  });
});

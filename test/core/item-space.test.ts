import { describe, expect, it } from 'vitest';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { factorPart, indexVectorOf } from '../../src/core/item-space.ts';
import { norm } from '../../src/core/vector.ts';

describe('inner-product search on the cosine index', () => {
  it('index vectors are unit length and keep the factor in front', () => {
    const y = indexVectorOf(Float32Array.from([0.3, 0.4, 0]));
    expect(norm(y)).toBeCloseTo(1, 6);
    expect(Array.from(factorPart(y))).toEqual([expect.closeTo(0.3, 6), expect.closeTo(0.4, 6), 0]);
    // A factor longer than 1 is shortened to unit length.
    expect(norm(factorPart(indexVectorOf(Float32Array.from([3, 4, 0]))))).toBeCloseTo(1, 6);
  });

  it('ranks by inner product, so a longer factor in a similar direction wins', () => {
    const index = createExactIndex(3);
    index.upsert('aligned-short', indexVectorOf(Float32Array.from([0.2, 0, 0])));
    index.upsert('near-long', indexVectorOf(Float32Array.from([0.8, 0.3, 0])));
    const query = Float32Array.from([1, 0, 0]);
    // Cosine of the factors alone would prefer 'aligned-short'; the inner product prefers 'near-long'.
    expect(index.search(query, 2).map((r) => r.itemId)).toEqual(['near-long', 'aligned-short']);
  });
});

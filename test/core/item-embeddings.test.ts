import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_WEIGHTS } from '../../src/core/events.ts';
import { contextVector, itemVectorFromContext, updateItemFromCooccurrence } from '../../src/core/item-embeddings.ts';
import { factorPart } from '../../src/core/item-space.ts';
import type { HistoryEntry } from '../../src/core/user-state.ts';
import { cosine, norm } from '../../src/core/vector.ts';

// Index vectors: three factor coordinates and the reserved last one (item-space.ts).
const vectors = new Map<string, Float32Array>([
  ['a', Float32Array.from([0.6, 0, 0, 0.8])],
  ['b', Float32Array.from([0.48, 0.12, 0, 0.87])],
  ['z', Float32Array.from([0, 0, 0.6, 0.8])],
]);
const params = { weights: DEFAULT_EVENT_WEIGHTS, window: 2, recencyDecay: 0.5 };
const h = (itemId: string, type: HistoryEntry['type'] = 'view'): HistoryEntry => ({ itemId, type, ts: 1 });
const lookup = (id: string) => vectors.get(id);

describe('online item embeddings', () => {
  it('context = recency- and type-weighted mean of the newest history factors (reserved coordinate left out)', () => {
    const ctx = contextVector([h('z'), h('a'), h('b', 'click')], lookup, params)!;
    // window 2: b (weight 2 · 1) then a (1 · 0.5); z is outside the window. Sum / 2.5.
    expect(Array.from(ctx)).toEqual([expect.closeTo((0.96 + 0.3) / 2.5, 5), expect.closeTo(0.24 / 2.5, 5), 0, 0]);
  });

  it('skips negative history, the item itself, and returns undefined without vectors', () => {
    const ctx = contextVector([h('z'), h('a', 'dislike'), h('new')], lookup, params, 'new')!;
    expect(Array.from(ctx)).toEqual([0, 0, expect.closeTo(0.6, 6), 0]);
    expect(contextVector([h('x'), h('y')], lookup, params)).toBeUndefined();
  });

  it('a brand-new item lands among the items it co-occurs with, as a unit index vector', () => {
    let ctx = updateItemFromCooccurrence(undefined, contextVector([h('a'), h('b')], lookup, params)!);
    ctx = updateItemFromCooccurrence(ctx, contextVector([h('b')], lookup, params)!);
    expect(ctx.count).toBe(2);
    const v = itemVectorFromContext(ctx, undefined)!;
    expect(norm(v)).toBeCloseTo(1, 5);
    expect(cosine(factorPart(v), factorPart(vectors.get('a')!))).toBeGreaterThan(0.95);
    expect(cosine(factorPart(v), factorPart(vectors.get('z')!))).toBeLessThan(0.05);
  });

  it('a trained item moves only a little per new context', () => {
    const trained = vectors.get('z')!;
    const ctx = updateItemFromCooccurrence(undefined, factorPart(vectors.get('a')!));
    const v = itemVectorFromContext(ctx, trained, 50)!;
    expect(cosine(factorPart(v), factorPart(trained))).toBeGreaterThan(0.99);
    expect(v[0]).toBeGreaterThan(0);
  });
});

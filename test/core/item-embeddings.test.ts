import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_WEIGHTS } from '../../src/core/events.ts';
import { contextVector, itemVectorFromContext, updateItemFromCooccurrence } from '../../src/core/item-embeddings.ts';
import type { HistoryEntry } from '../../src/core/user-state.ts';
import { cosine } from '../../src/core/vector.ts';

const vectors = new Map<string, Float32Array>([
  ['a', Float32Array.from([1, 0, 0])],
  ['b', Float32Array.from([0.8, 0.2, 0])],
  ['z', Float32Array.from([0, 0, 1])],
]);
const params = { weights: DEFAULT_EVENT_WEIGHTS, window: 2, recencyDecay: 0.5 };
const h = (itemId: string, type: HistoryEntry['type'] = 'view'): HistoryEntry => ({ itemId, type, ts: 1 });

describe('online item embeddings', () => {
  it('context = recency- and type-weighted mean of the newest history vectors', () => {
    const ctx = contextVector([h('z'), h('a'), h('b', 'click')], (id) => vectors.get(id), params)!;
    // window 2: b (weight 2 · 1) then a (1 · 0.5); z is outside the window. Sum / 2.5.
    expect(Array.from(ctx)).toEqual([expect.closeTo(2.1 / 2.5, 5), expect.closeTo(0.4 / 2.5, 5), 0]);
  });

  it('skips negative history, the item itself, and returns undefined without vectors', () => {
    const ctx = contextVector([h('z'), h('a', 'dislike'), h('new')], (id) => vectors.get(id), params, 'new')!;
    expect(Array.from(ctx)).toEqual([0, 0, 1]);
    expect(contextVector([h('x'), h('y')], (id) => vectors.get(id), params)).toBeUndefined();
  });

  it('a brand-new item lands among the items it co-occurs with', () => {
    let ctx = updateItemFromCooccurrence(undefined, contextVector([h('a'), h('b')], (id) => vectors.get(id), params)!);
    ctx = updateItemFromCooccurrence(ctx, contextVector([h('b')], (id) => vectors.get(id), params)!);
    expect(ctx.count).toBe(2);
    const v = itemVectorFromContext(ctx, undefined)!;
    expect(cosine(v, vectors.get('a')!)).toBeGreaterThan(0.95);
    expect(cosine(v, vectors.get('z')!)).toBeLessThan(0.05);
  });

  it('a trained item moves only a little per new context', () => {
    const trained = vectors.get('z')!;
    const ctx = updateItemFromCooccurrence(undefined, vectors.get('a')!);
    const v = itemVectorFromContext(ctx, trained, 50)!;
    expect(cosine(v, trained)).toBeGreaterThan(0.99);
    expect(v[0]).toBeGreaterThan(0);
  });
});

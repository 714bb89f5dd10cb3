import { describe, expect, it } from 'vitest';
import { blendLabels, blendSnapshotFor, createBlendChooser, createPendingLists, DEFAULT_BLEND_CHOICE } from '../../src/core/blend-choice.ts';

const params = { sessionWeights: [10, 30, 100], memoryEvents: 100, depth: 3 };

describe('blend choice (follow the leader over discounted hits)', () => {
  it('serves the initial alternative until another has more credit, then the leader', () => {
    const chooser = createBlendChooser(params, 1);
    expect(chooser.chosen).toBe(1);
    // All three hold the item: a tie keeps the serving one.
    chooser.credit([[7, 1], [7], [2, 7]], 7);
    expect(chooser.chosen).toBe(1);
    expect(chooser.credits).toEqual([1, 1, 1]);
    // Only the third holds the next item: it leads.
    chooser.credit([[1], [2], [3, 9]], 9);
    expect(chooser.chosen).toBe(2);
  });

  it('counts a hit only within the top `depth`, and discounts older credit', () => {
    const chooser = createBlendChooser(params, 0);
    chooser.credit([[1, 2, 3, 4], [4], []], 4);
    expect(chooser.credits).toEqual([0, 1, 0]);
    chooser.credit([[5], [], []], 5);
    expect(chooser.credits[1]).toBeCloseTo(0.99, 12);
    expect(chooser.credits[0]).toBe(1);
    expect(chooser.chosen).toBe(0);
  });

  it('follows a stream whose best blend changes within a few memory spans', () => {
    const chooser = createBlendChooser(params, 1);
    for (let i = 0; i < 300; i++) chooser.credit([[i], [], []], i);
    expect(chooser.chosen).toBe(0);
    for (let i = 0; i < 300; i++) chooser.credit([[], [], [i]], i);
    expect(chooser.chosen).toBe(2);
  });

  it('ignores lists that do not match its alternatives', () => {
    const chooser = createBlendChooser(params);
    chooser.credit([[1], [1]], 1);
    expect(chooser.credits).toEqual([0, 0, 0]);
    expect(chooser.chosen).toBe(1);
  });

  it('defaults to the weight chosen on the validation prefixes, with one alternative either side and one adding the last item\'s rules', () => {
    expect(DEFAULT_BLEND_CHOICE.sessionWeights).toEqual([10, 30, 100, 30, 30]);
    expect(blendLabels(DEFAULT_BLEND_CHOICE)).toEqual(['10', '30', '100', '30+last10', '30+last30']);
    expect(createBlendChooser(DEFAULT_BLEND_CHOICE).chosen).toBe(1);
  });
});

describe('pending lists (what waits for a user\'s next event)', () => {
  it('hands a user\'s lists out once, and forgets the least recently kept past its bound', () => {
    const pending = createPendingLists(2);
    pending.keep('a', [[1]]);
    pending.keep('b', [[2]]);
    pending.keep('a', [[3]]); // kept again: now the newest
    pending.keep('c', [[4]]); // past the bound: b, the least recently kept, goes
    expect(pending.size).toBe(2);
    expect(pending.take('b')).toBeUndefined();
    expect(pending.take('a')).toEqual([[3]]);
    expect(pending.take('a')).toBeUndefined();
    expect(pending.take('c')).toEqual([[4]]);
    expect(pending.size).toBe(0);
  });
});

describe('blend snapshots (what a restarted process carries on from)', () => {
  it('round-trips credits and choice, and a restored chooser goes on from them', () => {
    const first = createBlendChooser(params, 1);
    for (let i = 0; i < 5; i++) first.credit([[], [], [i]], i);
    const saved = blendSnapshotFor(JSON.parse(JSON.stringify(first.snapshot())), params);
    if (typeof saved === 'string') throw new Error(saved);
    const second = createBlendChooser(params, 1, saved);
    expect(second.chosen).toBe(2);
    expect(second.credits).toEqual(first.credits);
    first.credit([[7], [], []], 7);
    second.credit([[7], [], []], 7);
    expect(second.snapshot()).toEqual(first.snapshot());
  });

  it('says why a record cannot be restored', () => {
    const good = createBlendChooser(params).snapshot();
    expect(blendSnapshotFor('hello', params)).toMatch(/not a streamrec blend snapshot/);
    expect(blendSnapshotFor({ ...good, sessionWeights: [10, 30] }, params)).toMatch(/this model chooses between \[10,30,100\]/);
    expect(blendSnapshotFor({ ...good, credits: [1, -1, 0] }, params)).toMatch(/credits/);
    expect(blendSnapshotFor({ ...good, credits: [5, 0, 0], credited: 2 }, params)).toMatch(/credited lists/);
    expect(blendSnapshotFor({ ...good, chosen: 3 }, params)).toMatch(/chosen alternative/);
    expect(blendSnapshotFor(good, params)).toEqual(good);
  });

  it('tells blends apart by their last-item weight too: a snapshot saved before that alternative existed is not restored', () => {
    const withLast = { ...params, sessionWeights: [10, 30, 100, 30], lastItemWeights: [0, 0, 0, 10] };
    const saved = createBlendChooser(withLast).snapshot();
    expect(saved.lastItemWeights).toEqual([0, 0, 0, 10]);
    expect(blendSnapshotFor(saved, withLast)).toEqual(saved);
    expect(blendSnapshotFor({ ...saved, lastItemWeights: [0, 0, 0, 30] }, withLast)).toMatch(/saved for last-item weights \[0,0,0,30\], this model chooses between \[0,0,0,10\]/);
    expect(blendSnapshotFor({ ...saved, lastItemWeights: undefined }, withLast)).toMatch(/saved for last-item weights \[0,0,0,0\]/);
    // A model without last-item alternatives still restores its own older records (no lastItemWeights field).
    const plain = { ...createBlendChooser(params).snapshot(), lastItemWeights: undefined };
    expect(blendSnapshotFor(plain, params)).toMatchObject({ sessionWeights: [10, 30, 100], lastItemWeights: [0, 0, 0] });
  });
});

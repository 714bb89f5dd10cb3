import { describe, expect, it } from 'vitest';
import { decodeItemNeighbours, encodeItemNeighbours, MAX_NEIGHBOURS_PER_ROW } from '../../../src/adapters/kafka/item-neighbours.ts';
import { msgpack } from '../../../src/adapters/msgpack.ts';

const record = { itemId: 'i-1', ids: ['i-2', 'i-3'], weights: [1.5, 1 / 3], mass: 2.75, updatedAtMs: 123 };
const packed = (value: Record<string, unknown>) => msgpack.pack({ ...record, ...value });

describe('item-neighbours codec', () => {
  it('round-trips a row exactly (weights as doubles)', () => {
    expect(decodeItemNeighbours(Buffer.from('i-1'), encodeItemNeighbours(record))).toEqual({ kind: 'upsert', record });
    // An empty row (an item whose rules were all pruned) is still a row.
    const empty = { ...record, ids: [], weights: [], mass: 0 };
    expect(decodeItemNeighbours(Buffer.from('i-1'), encodeItemNeighbours(empty))).toEqual({ kind: 'upsert', record: empty });
  });

  it('round-trips the forward parts, and reads a record without them (an older writer) as before', () => {
    const withForward = { ...record, forward: [1.5, 0], forwardMass: 2 };
    expect(decodeItemNeighbours(Buffer.from('i-1'), encodeItemNeighbours(withForward))).toEqual({ kind: 'upsert', record: withForward });
    const decoded = decodeItemNeighbours(Buffer.from('i-1'), encodeItemNeighbours(record));
    expect(decoded.kind === 'upsert' && 'forward' in decoded.record).toBe(false);
  });

  it('reads a tombstone as a removal', () => {
    expect(decodeItemNeighbours(Buffer.from('i-9'), null)).toEqual({ kind: 'remove', itemId: 'i-9' });
    expect(decodeItemNeighbours(null, null).kind).toBe('invalid');
  });

  it.each([
    ['garbage bytes', Buffer.from([0xde, 0x01])],
    ['not a map', msgpack.pack([1, 2])],
    ['a bad itemId', packed({ itemId: '' })],
    ['ids and weights of different lengths', packed({ weights: [1] })],
    ['ids not an array', packed({ ids: 'i-2' })],
    ['a bad neighbour id', packed({ ids: ['i-2', 'bad id'] })],
    ['a non-finite weight', packed({ weights: [1, Number.NaN] })],
    ['a negative weight', packed({ weights: [1, -1] })],
    ['a string weight', packed({ weights: [1, '2'] })],
    ['a missing mass', packed({ mass: undefined })],
    ['a negative mass', packed({ mass: -1 })],
    ['forward parts without their mass', packed({ forward: [1, 0] })],
    ['forward parts of another length', packed({ forward: [1], forwardMass: 1 })],
    ['a forward part above its weight', packed({ forward: [1.5, 1], forwardMass: 2 })],
    ['a forward mass above the mass', packed({ forward: [1, 0], forwardMass: 3 })],
    ['too many rules', packed({ ids: Array.from({ length: MAX_NEIGHBOURS_PER_ROW + 1 }, (_, i) => `n${i}`), weights: new Array<number>(MAX_NEIGHBOURS_PER_ROW + 1).fill(1) })],
  ])('rejects %s as invalid, with a reason', (_name, value) => {
    const change = decodeItemNeighbours(Buffer.from('i-1'), value);
    expect(change.kind).toBe('invalid');
    if (change.kind === 'invalid') expect(change.reason.length).toBeGreaterThan(5);
  });

  it('rejects a row filed under another key (compaction would never replace it)', () => {
    expect(decodeItemNeighbours(Buffer.from('i-2'), encodeItemNeighbours(record)).kind).toBe('invalid');
    expect(decodeItemNeighbours(null, encodeItemNeighbours(record)).kind).toBe('upsert');
  });
});

import { describe, expect, it } from 'vitest';
import { decodeItemEmbedding, encodeItemEmbedding } from '../../../src/adapters/kafka/item-embeddings.ts';

describe('item-embeddings codec', () => {
  it('round-trips a vector bit for bit', () => {
    const vector = new Float32Array([0.1, -2.5, 3e-8, 1]);
    const bytes = encodeItemEmbedding({ itemId: 'i-1', vector, modelVersion: 'v7', updatedAtMs: 123, source: 'online' });
    const change = decodeItemEmbedding(Buffer.from('i-1'), bytes);
    expect(change.kind).toBe('upsert');
    if (change.kind === 'upsert') {
      expect(Array.from(change.record.vector)).toEqual(Array.from(vector));
      expect(change.record).toMatchObject({ itemId: 'i-1', modelVersion: 'v7', updatedAtMs: 123, source: 'online' });
    }
  });

  it('reads a tombstone as a removal and garbage as invalid', () => {
    expect(decodeItemEmbedding(Buffer.from('i-9'), null)).toEqual({ kind: 'remove', itemId: 'i-9' });
    expect(decodeItemEmbedding(Buffer.from('i-9'), Buffer.from([0xde, 0x01])).kind).toBe('invalid');
    expect(decodeItemEmbedding(null, null).kind).toBe('invalid');
  });
});

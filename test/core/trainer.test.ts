import { describe, expect, it } from 'vitest';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { factorPart } from '../../src/core/item-space.ts';
import { trainItemEmbeddings, type TrainParams } from '../../src/core/trainer.ts';
import { norm } from '../../src/core/vector.ts';
import { clusterOf, plantedEvents } from './planted.ts';

const params: TrainParams = {
  dim: 16,
  window: 10,
  recencyDecay: 0.9,
  refit: {
    similarity: { normalisation: 'cosine', smoothing: 0.75, shift: 1 },
    minCount: 3,
    vocabCap: 10_000,
    iterations: 8,
    eigPower: 0.5,
    seed: 7,
    firstAfterEvents: 0,
    growth: 2,
    maxEveryEvents: 0,
    maxEveryEventsPerItem: 0,
    warmIterations: 8,
  },
  createdAtMs: 1_700_000_000_000,
};

describe('trainItemEmbeddings', () => {
  const events = plantedEvents({ users: 300, clusters: 6, perCluster: 40, perUser: 30, noise: 0.1, seed: 11 });
  const interactions = events.map((e) => ({ userId: e.userId, itemId: e.itemId, weight: 1, ts: e.ts }));

  it('recovers planted clusters: nearest neighbours share the item cluster', () => {
    const progress: string[] = [];
    const model = trainItemEmbeddings(interactions, params, (phase, done, total) => progress.push(`${phase}:${done}/${total}`));
    expect(model.meta).toMatchObject({ version: 'v1700000000000', dim: 16, createdAtMs: params.createdAtMs });
    expect(model.meta.itemCount).toBe(model.vectors.size);
    expect(model.vectors.size).toBeGreaterThan(230);
    const index = createExactIndex(16);
    for (const [id, v] of model.vectors) {
      expect(norm(v)).toBeCloseTo(1, 4);
      index.upsert(id, v);
    }
    let same = 0;
    let total = 0;
    for (const [id, v] of model.vectors) {
      for (const n of index.search(factorPart(v), 6, (other) => other !== id).slice(0, 5)) {
        total++;
        if (clusterOf(n.itemId) === clusterOf(id)) same++;
      }
    }
    expect(same / total).toBeGreaterThan(0.9);
    expect(progress.some((p) => p.startsWith('factorise:'))).toBe(true);
    expect(progress.at(-1)).toMatch(/^factorise:(\d+)\/\1$/);
  });

  it('is deterministic for a seed and ignores negative interactions', () => {
    const a = trainItemEmbeddings(interactions, params);
    const b = trainItemEmbeddings([...interactions, { userId: 'u1', itemId: 'only-negative', weight: -4, ts: 1 }], params);
    expect(b.vectors.has('only-negative')).toBe(false);
    expect(Array.from(b.vectors.get('c0-i1')!)).toEqual(Array.from(a.vectors.get('c0-i1')!));
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { cooccurrenceFromSnapshot, snapshotCooccurrence } from '../../src/core/cooccurrence-snapshot.ts';
import { createItemRefitter, createRecentHistories } from '../../src/core/item-refitter.ts';
import { onlineModelParamsFrom } from '../../src/core/online-model-params.ts';
import { refitItemVectors } from '../../src/core/refit.ts';
import { startRefitThread } from '../../src/training/refit-thread.ts';
import { plantedEvents } from '../core/planted.ts';

const config = loadConfig({ EMBEDDING_DIM: '16' });
const params = onlineModelParamsFrom(config.model);

function fed() {
  const refitter = createItemRefitter({ dim: 16, weights: config.model.weights, cooccurrence: params.cooccurrence, coVisitation: params.coVisitation, refit: { ...params.refit, firstAfterEvents: 400 } });
  const histories = createRecentHistories(config.model.historyCap, 10_000, config.model.eventIdWindow);
  for (const e of plantedEvents({ users: 80, clusters: 4, perCluster: 20, perUser: 15, noise: 0.05, seed: 9 })) {
    refitter.observe(e, histories.of(e.userId));
    histories.append(e);
    if (refitter.due) refitter.refit();
  }
  return refitter;
}

const bits = (v: Float32Array) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));

describe('refit in a worker thread', () => {
  it('gives bit-equal vectors to the same refit on the main thread (snapshot reads back exactly)', async () => {
    const refitter = fed();
    expect(refitter.refits).toBeGreaterThan(0);
    const snapshot = snapshotCooccurrence(refitter.cooccurrence);
    const view = cooccurrenceFromSnapshot(snapshot);
    expect(view.itemCount).toBe(refitter.cooccurrence.itemCount);
    expect(view.totalPairs()).toBe(refitter.cooccurrence.totalPairs());
    const expected = refitItemVectors(refitter.cooccurrence, refitter.trained, 16, params.refit);
    const { cooccurrence, previous } = refitter.beginRefit();
    const result = await startRefitThread(cooccurrence, previous, 16, params.refit).promise;
    expect(result.vocabSize).toBe(expected.vocabSize);
    expect([...result.vectors.keys()]).toEqual([...expected.vectors.keys()]);
    for (const [id, v] of expected.vectors) expect(bits(result.vectors.get(id)!)).toEqual(bits(v));
    const before = refitter.refits;
    refitter.completeRefit(result);
    expect(refitter.refits).toBe(before + 1);
    expect(refitter.trained).toBe(result.vectors);
  });
});

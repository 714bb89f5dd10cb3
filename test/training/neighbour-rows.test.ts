import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createItemRefitter, createRecentHistories, observeWithHistory } from '../../src/core/item-refitter.ts';
import type { NeighbourRecord } from '../../src/core/neighbour-table.ts';
import { onlineModelParamsFrom } from '../../src/core/online-model-params.ts';
import { createLogger } from '../../src/log.ts';
import { createNeighbourRowsPublisher, NEIGHBOUR_ROWS_PER_BATCH } from '../../src/training/neighbour-rows.ts';
import type { ItemNeighboursPublisher } from '../../src/core/ports.ts';

const config = loadConfig({ EMBEDDING_DIM: '8' });
const params = onlineModelParamsFrom(config.model);
const log = createLogger('test', 'silent');

/** 1500 users, each clicking its own pair p-i → q-i: 3000 rows change. */
function refitterWithRows() {
  const refitter = createItemRefitter({ dim: 8, weights: config.model.weights, cooccurrence: params.cooccurrence, coVisitation: params.coVisitation, refit: params.refit, trackRuleChanges: true });
  const histories = createRecentHistories(config.model.historyCap, 10_000, config.model.eventIdWindow);
  for (let i = 0; i < 1500; i++) {
    observeWithHistory(refitter, histories, { eventId: `a${i}`, userId: `u${i}`, itemId: `p-${i}`, type: 'click', ts: 1 });
    observeWithHistory(refitter, histories, { eventId: `b${i}`, userId: `u${i}`, itemId: `q-${i}`, type: 'click', ts: 2 });
  }
  return refitter;
}

describe('co-visitation rows publisher (refit worker)', () => {
  it('sends every changed row once, as its current rowOf, in bounded batches; a failed send is retried at the next flush', async () => {
    const refitter = refitterWithRows();
    const sent: NeighbourRecord[][] = [];
    let failNext = true;
    const publisher: ItemNeighboursPublisher = {
      publish: async (records) => {
        if (failNext) {
          failNext = false;
          throw new Error('broker down');
        }
        sent.push([...records]);
      },
      close: async () => undefined,
    };
    const rows = createNeighbourRowsPublisher(refitter, publisher, 1000, () => true, log, () => 42);
    expect(rows.pending).toBe(3000);
    await rows.flush();
    expect(sent).toEqual([]);
    expect(rows.pending).toBe(3000);
    await rows.flush();
    expect(sent.map((b) => b.length)).toEqual([NEIGHBOUR_ROWS_PER_BATCH, NEIGHBOUR_ROWS_PER_BATCH, 1000]);
    expect(rows.published).toBe(3000);
    expect(rows.pending).toBe(0);
    const all = new Map(sent.flat().map((r) => [r.itemId, r]));
    expect(all.size).toBe(3000);
    expect(all.get('p-7')).toEqual({ itemId: 'p-7', ids: ['q-7'], weights: [1], mass: 1, forward: [1], forwardMass: 1, updatedAtMs: 42 });
    expect(all.get('q-7')).toEqual({ itemId: 'q-7', ids: ['p-7'], weights: [0.5], mass: 0.5, forward: [0], forwardMass: 0, updatedAtMs: 42 });
    await rows.flush();
    expect(sent.length).toBe(3);
    await rows.close(1000);
  });
});

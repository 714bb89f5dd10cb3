import { describe, expect, it } from 'vitest';
import { createMemoryCatalogStore } from '../../src/adapters/memory/catalog-store.ts';
import { createMemoryModelStore } from '../../src/adapters/memory/model-store.ts';
import type { ItemEmbeddingRecord } from '../../src/core/ports.ts';
import type { ModelMeta } from '../../src/core/stores.ts';
import { createLogger } from '../../src/log.ts';
import { createVersionPublisher } from '../../src/training/version-publisher.ts';

const vec = (x: number) => Float32Array.from([x, 1 - x]);
const meta = (version: string): Omit<ModelMeta, 'itemCount'> => ({ version, dim: 2, createdAtMs: 1, trainedOn: { algorithm: 'test' } });

async function settle(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}

describe('version publisher', () => {
  it('saves a refit over the served model, but never over a version another writer saved meanwhile; after a rebase onto it, again', async () => {
    const models = createMemoryModelStore();
    const served = new Map([['a', vec(0.1)], ['b', vec(0.2)]]);
    await models.save({ ...meta('v0'), itemCount: 2 }, served);
    const sent: ItemEmbeddingRecord[] = [];
    const publisher = createVersionPublisher({
      models,
      catalog: createMemoryCatalogStore(),
      embeddings: { publish: async (records) => void sent.push(...records), remove: async () => undefined, close: async () => undefined },
      served,
      servedVersion: 'v0',
      retryMaxMs: 10,
      log: createLogger('test', 'silent'),
    });
    publisher.submit({ meta: meta('v0~v1'), vectors: new Map([['a', vec(0.3)]]) });
    await settle(() => publisher.published === 1);
    expect((await models.current())?.version).toBe('v0~v1');
    expect([...(await models.loadVectors('v0~v1')).keys()].sort()).toEqual(['a', 'b']);

    // A rollback or a train lands between two refits: the next refit must not replace it.
    await models.save({ ...meta('vtrain'), itemCount: 1 }, new Map([['c', vec(0.5)]]));
    publisher.submit({ meta: meta('v0~v2'), vectors: new Map([['a', vec(0.4)]]) });
    await new Promise((r) => setTimeout(r, 50));
    expect(publisher.published).toBe(1);
    expect((await models.current())?.version).toBe('vtrain');
    expect(sent.map((r) => r.modelVersion)).toEqual(['v0~v1']);

    publisher.rebase(new Map([['c', vec(0.5)]]), 'vtrain');
    publisher.submit({ meta: meta('vtrain~v3'), vectors: new Map([['a', vec(0.6)]]) });
    await settle(() => publisher.published === 2);
    expect((await models.current())?.version).toBe('vtrain~v3');
    expect([...(await models.loadVectors('vtrain~v3')).keys()].sort()).toEqual(['a', 'c']);
    await publisher.close(1000);
  });
});

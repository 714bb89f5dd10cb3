import { describe, expect, it } from 'vitest';
import type { ModelMeta, ModelStore } from '../../src/core/stores.ts';

function meta(version: string, dim: number, itemCount: number): ModelMeta {
  return { version, dim, itemCount, createdAtMs: 1_750_000_000_000, trainedOn: { algorithm: 'test', interactions: 7 } };
}

function vectors(n: number, dim: number, seed: number): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (let i = 0; i < n; i++) out.set(`item:${i}`, Float32Array.from({ length: dim }, (_, d) => Math.sin(seed + i * dim + d)));
  return out;
}

/** One suite for every ModelStore: the in-memory twin and Redis must behave alike. */
export function runModelStoreSuite(name: string, makeStore: () => Promise<ModelStore> | ModelStore): void {
  describe(`ModelStore (${name})`, () => {
    it('has no current model at first', async () => {
      const store = await makeStore();
      expect(await store.current()).toBeUndefined();
      expect((await store.loadVectors('v-none')).size).toBe(0);
    });

    it('round-trips metadata and every vector bit for bit, past one chunk', async () => {
      const store = await makeStore();
      const vs = vectors(4500, 8, 1);
      await store.save(meta('v1', 8, vs.size), vs);
      expect(await store.current()).toEqual(meta('v1', 8, vs.size));
      const back = await store.loadVectors('v1');
      expect(back.size).toBe(4500);
      for (const [id, v] of vs) expect(Array.from(back.get(id)!)).toEqual(Array.from(v));
    });

    it('flips current to the newest version and keeps the previous one readable', async () => {
      const store = await makeStore();
      await store.save(meta('v1', 4, 3), vectors(3, 4, 1));
      await store.save(meta('v2', 4, 5), vectors(5, 4, 2));
      expect((await store.current())?.version).toBe('v2');
      expect((await store.loadVectors('v2')).size).toBe(5);
      expect((await store.loadVectors('v1')).size).toBe(3);
    });

    it('rejects vectors whose length differs from the model dimension', async () => {
      const store = await makeStore();
      const bad = new Map([['x', new Float32Array(3)]]);
      await expect(store.save(meta('v9', 4, 1), bad)).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/3 dims, model has 4/) });
      expect(await store.current()).toBeUndefined();
    });

    it('keeps the vectors of the current and the previous version only', async () => {
      const store = await makeStore();
      for (const v of ['v1', 'v2', 'v3']) await store.save(meta(v, 2, 2), vectors(2, 2, 3));
      expect((await store.loadVectors('v1')).size).toBe(0);
      expect((await store.loadVectors('v2')).size).toBe(2);
      expect((await store.loadVectors('v3')).size).toBe(2);
    });

    it('lists the kept versions newest first, each with the metadata it was saved with', async () => {
      const store = await makeStore();
      expect(await store.versions()).toEqual([]);
      await store.save(meta('v1', 2, 3), vectors(3, 2, 1));
      expect(await store.versions()).toEqual([meta('v1', 2, 3)]);
      await store.save({ ...meta('v2', 2, 4), trainedOn: { algorithm: 'refit', events: 9 } }, vectors(4, 2, 2));
      await store.save(meta('v3', 2, 5), vectors(5, 2, 3));
      expect(await store.versions()).toEqual([meta('v3', 2, 5), { ...meta('v2', 2, 4), trainedOn: { algorithm: 'refit', events: 9 } }]);
    });
  });
}

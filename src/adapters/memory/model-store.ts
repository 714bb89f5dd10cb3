import type { ModelMeta, ModelStore } from '../../core/stores.ts';
import type { Vector } from '../../core/vector.ts';

/** In-process twin of the Redis model store (same suite: test/adapters/model-store.suite.ts). */
export function createMemoryModelStore(): ModelStore {
  const versions = new Map<string, Map<string, Vector>>();
  let current: ModelMeta | undefined;
  return {
    current: async () => (current ? structuredClone(current) : undefined),
    async save(meta, vectors) {
      for (const [itemId, vector] of vectors) {
        if (vector.length !== meta.dim) throw new RangeError(`vector of ${itemId} has ${vector.length} dims, model has ${meta.dim}`);
      }
      versions.set(meta.version, new Map([...vectors].map(([id, v]) => [id, Float32Array.from(v)])));
      current = structuredClone(meta);
    },
    async loadVectors(version) {
      const stored = versions.get(version);
      return new Map([...(stored ?? [])].map(([id, v]) => [id, Float32Array.from(v)]));
    },
  };
}

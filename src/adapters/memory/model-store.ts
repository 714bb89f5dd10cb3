import { MODEL_VERSIONS_KEPT, checkModelVectors, type ModelMeta, type ModelStore } from '../../core/stores.ts';
import type { Vector } from '../../core/vector.ts';

/** In-process twin of the Redis model store (same suite: test/adapters/model-store.suite.ts). */
export function createMemoryModelStore(): ModelStore {
  // Insertion order = save order, so the oldest versions come first.
  const versions = new Map<string, Map<string, Vector>>();
  const metas = new Map<string, ModelMeta>();
  let current: ModelMeta | undefined;
  return {
    current: async () => (current ? structuredClone(current) : undefined),
    async save(meta, vectors) {
      checkModelVectors(meta, vectors);
      versions.delete(meta.version);
      versions.set(meta.version, new Map([...vectors].map(([id, v]) => [id, Float32Array.from(v)])));
      metas.set(meta.version, structuredClone(meta));
      current = structuredClone(meta);
      for (const old of [...versions.keys()].slice(0, Math.max(0, versions.size - MODEL_VERSIONS_KEPT))) {
        versions.delete(old);
        metas.delete(old);
      }
    },
    versions: async () => [...versions.keys()].reverse().map((v) => structuredClone(metas.get(v)!)),
    async loadVectors(version) {
      const stored = versions.get(version);
      return new Map([...(stored ?? [])].map(([id, v]) => [id, Float32Array.from(v)]));
    },
  };
}

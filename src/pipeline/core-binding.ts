import type { ItemEmbeddingChange, ItemEmbeddingRecord } from '../adapters/kafka/item-embeddings.ts';
import type { Config } from '../config.ts';
import type { AnnIndex } from '../core/ann-index.ts';
import {
  contextVector,
  DEFAULT_CONTEXT_PARAMS,
  itemVectorFromContext,
  updateItemFromCooccurrence,
  type ContextParams,
  type ItemContext,
} from '../core/item-embeddings.ts';
import { applyEvent, learnerParamsFrom } from '../core/learner.ts';
import { recommend } from '../core/recommender.ts';
import type { Trending } from '../core/trending.ts';
import { createUserState } from '../core/user-state.ts';
import type { Vector } from '../core/vector.ts';
import type { LearnerCore } from './learner-core.ts';

export interface BoundLearnerCore extends LearnerCore {
  /** Feed of the item-embeddings tail: tracks which items are trained and drops removed ones from trending. */
  onItemChange(change: ItemEmbeddingChange): void;
  setModelVersion(version: string): void;
  /** Items whose vectors are learned online (no trained vector). */
  readonly onlineItems: number;
}

// Running contexts of new items kept in memory; the oldest are forgotten past this.
const MAX_ITEM_CONTEXTS = 100_000;
// Item vectors as the index returns them, cached: reading one back from hnswlib costs a
// native call and a copy per event. 200k × 64 dims × 4 bytes ≈ 51 MB at most.
const MAX_CACHED_VECTORS = 200_000;

/**
 * The model's pure core bound to one process's index and trending: the same functions
 * `eval` replays. Item vectors learned online are only made for items without a trained
 * vector, so trained vectors (and user updates that read them) stay deterministic.
 */
export function bindLearnerCore(config: Config, index: AnnIndex, trending: Trending): BoundLearnerCore {
  const params = learnerParamsFrom(config.model);
  const contextParams: ContextParams = { ...DEFAULT_CONTEXT_PARAMS, weights: config.model.weights };
  const contexts = new Map<string, ItemContext>();
  /** Items present in the index with a trained vector. */
  const trained = new Set<string>();
  let modelVersion = 'none';
  const cache = new Map<string, Vector | null>();
  const vectorOf = (id: string): Vector | undefined => {
    const hit = cache.get(id);
    if (hit !== undefined) return hit ?? undefined;
    const v = index.vectorOf(id);
    if (cache.size >= MAX_CACHED_VECTORS) cache.delete(cache.keys().next().value!);
    cache.set(id, v ?? null);
    return v;
  };

  return {
    get onlineItems() {
      return contexts.size;
    },
    setModelVersion(version) {
      modelVersion = version;
    },
    modelVersion: () => modelVersion,
    newState: (userId) => createUserState(userId, config.model.dim),
    applyEvent: (state, event, position, nowMs) => applyEvent(state, event, vectorOf(event.itemId), params, { position, nowMs }),
    learnItems(applied, nowMs) {
      const updated = new Map<string, ItemEmbeddingRecord>();
      for (const { event, before } of applied) {
        const weight = config.model.weights[event.type];
        if (weight > 0) trending.add(event.itemId, event.ts, weight);
        if (weight <= 0 || trained.has(event.itemId)) continue;
        const context = contextVector(before.history, vectorOf, contextParams, event.itemId);
        if (!context) continue;
        const ctx = updateItemFromCooccurrence(contexts.get(event.itemId), context, weight);
        contexts.delete(event.itemId);
        contexts.set(event.itemId, ctx);
        if (contexts.size > MAX_ITEM_CONTEXTS) contexts.delete(contexts.keys().next().value!);
        const vector = itemVectorFromContext(ctx, undefined);
        if (!vector) continue;
        index.upsert(event.itemId, vector);
        cache.delete(event.itemId);
        updated.set(event.itemId, { itemId: event.itemId, vector, modelVersion, updatedAtMs: nowMs, source: 'online' });
      }
      return [...updated.values()];
    },
    recommend: (user) =>
      recommend({ user, k: config.model.k, index, isAvailable: () => true, trending }).items,
    onItemChange(change) {
      if (change.kind !== 'invalid') cache.delete(change.kind === 'upsert' ? change.record.itemId : change.itemId);
      if (change.kind === 'upsert') {
        if (change.record.source === 'train') {
          trained.add(change.record.itemId);
          contexts.delete(change.record.itemId);
        }
      } else if (change.kind === 'remove') {
        trained.delete(change.itemId);
        contexts.delete(change.itemId);
        trending.remove(change.itemId);
      }
    },
  };
}

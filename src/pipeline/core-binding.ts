import type { Config } from '../config.ts';
import type { AnnIndex } from '../core/ann-index.ts';
import type { NeighbourSource } from '../core/co-visitation.ts';
import type { SessionNeighbourSource } from '../core/session-neighbours.ts';
import { contextVector, itemVectorFromContext, updateItemFromCooccurrence, type ItemContext } from '../core/item-embeddings.ts';
import { factorPart, indexVectorOf } from '../core/item-space.ts';
import { applyEvent } from '../core/learner.ts';
import { onlineModelParamsFrom } from '../core/online-model.ts';
import { createModel } from '../core/model.ts';
import type { Trending } from '../core/trending.ts';
import { createUserState } from '../core/user-state.ts';
import type { Vector } from '../core/vector.ts';
import type { LearnerCore } from './learner-core.ts';
import type { ItemEmbeddingChange, ItemEmbeddingRecord } from '../core/ports.ts';

export interface BoundLearnerCore extends LearnerCore {
  /** Feed of the item-embeddings tail: tracks which items are trained and drops removed ones from trending. */
  onItemChange(change: ItemEmbeddingChange): void;
  setModelVersion(version: string): void;
  /** Items whose vectors are learned online (no trained vector). */
  readonly onlineItems: number;
}

// Running contexts of new items kept in memory; the oldest are forgotten past this.
const MAX_ITEM_CONTEXTS = 100_000;
// Item factors cached beside the index: reading a vector back from hnswlib costs a native
// call and a copy per event. 200k × 64 dims × 4 bytes ≈ 51 MB at most.
const MAX_CACHED_FACTORS = 200_000;

/**
 * The model's online core (src/core/online-model.ts: learner, item space, user query,
 * recommender, trending, co-occurrence contexts) bound to one learner's index, with two
 * deliberate differences for a partitioned fleet: trained item vectors do not drift per
 * learner, and there is no per-learner refit. Each learner sees only its partitions, so
 * both would make learners publish conflicting vectors for the same item; refits are
 * global and belong to the refit worker (`streamrec refit`) and `streamrec train`. Items without a trained vector are placed from
 * their contexts at once and published, as in the online model.
 */
export function bindLearnerCore(
  config: Config,
  index: AnnIndex,
  trending: Trending,
  /**
   * The catalog's availability; none = every item available. With `indexHides` (the caller
   * did catalog.hideUnavailableIn(index)) the search leaves availability to the index and
   * stays in native code instead of calling back into JS per candidate.
   */
  availability: { isAvailable: (itemId: string) => boolean; indexHides: boolean } = { isAvailable: () => true, indexHides: true },
  /**
   * Candidate sources beside the search: the co-visitation rules (the item-neighbours tail's
   * NeighbourTable) and the session-neighbour index (fed by a clickstream tail).
   */
  sources: { neighbours?: NeighbourSource; sessions?: SessionNeighbourSource } = {},
): BoundLearnerCore {
  const params = onlineModelParamsFrom(config.model);
  const contextParams = { weights: config.model.weights, ...params.cooccurrence };
  const contexts = new Map<string, ItemContext>();
  /** Items present in the index with a trained vector. */
  const trained = new Set<string>();
  let modelVersion = 'none';
  const factors = new Map<string, Vector | null>();
  const factorOf = (id: string): Vector | undefined => {
    const hit = factors.get(id);
    if (hit !== undefined) return hit ?? undefined;
    const v = index.vectorOf(id);
    if (factors.size >= MAX_CACHED_FACTORS) factors.delete(factors.keys().next().value!);
    const f = v === undefined ? null : factorPart(v);
    factors.set(id, f);
    return f ?? undefined;
  };

  // Twice the list length: room for what a request's exclude, category or a newly unavailable
  // item takes out before the API has to search (20 entries, 160 bytes per user at k 10).
  const poolSize = 2 * config.model.k;
  const model = createModel(
    { weights: config.model.weights, query: params.query, rerank: params.rerank },
    {
      index,
      trending: () => trending,
      vectorOf: factorOf,
      catalog: { isAvailable: availability.isAvailable, indexHidesUnavailable: availability.indexHides },
      modelVersion: () => modelVersion,
      ...(sources.neighbours ? { neighbours: sources.neighbours } : {}),
      ...(sources.sessions ? { sessions: sources.sessions } : {}),
    },
  );

  return {
    get onlineItems() {
      return contexts.size;
    },
    setModelVersion(version) {
      modelVersion = version;
    },
    modelVersion: () => modelVersion,
    newState: (userId) => createUserState(userId, config.model.dim),
    applyEvent(state, event, position, nowMs) {
      const f = factorOf(event.itemId);
      return applyEvent(state, event, f === undefined ? undefined : indexVectorOf(f), params.learner, { position, nowMs });
    },
    learnItems(applied, nowMs) {
      const updated = new Map<string, ItemEmbeddingRecord>();
      for (const { event, historyBefore } of applied) {
        const weight = config.model.weights[event.type];
        if (!(weight > 0)) continue;
        trending.add(event.itemId, event.ts, weight);
        if (trained.has(event.itemId)) continue;
        const context = contextVector(historyBefore, factorOf, contextParams, event.itemId);
        if (!context) continue;
        const ctx = updateItemFromCooccurrence(contexts.get(event.itemId), context);
        contexts.delete(event.itemId);
        contexts.set(event.itemId, ctx);
        if (contexts.size > MAX_ITEM_CONTEXTS) contexts.delete(contexts.keys().next().value!);
        const factor = itemVectorFromContext(ctx, undefined, params.itemPrior);
        if (!factor) continue;
        const vector = indexVectorOf(factor);
        index.upsert(event.itemId, vector);
        factors.delete(event.itemId);
        updated.set(event.itemId, { itemId: event.itemId, vector, modelVersion, updatedAtMs: nowMs, source: 'online' });
      }
      return [...updated.values()];
    },
    withPool(state) {
      const pool = model.rank(state, poolSize);
      return pool === undefined ? state : { ...state, pool };
    },
    // The stored ranking was made moments ago for this very state (withPool), so the list needs
    // no search unless the model changed since (the binding has no age policy).
    recommend: (user) => model.recommend(user, { k: config.model.k }).items,
    onItemChange(change) {
      if (change.kind === 'invalid') return;
      const itemId = change.kind === 'upsert' ? change.record.itemId : change.itemId;
      factors.delete(itemId);
      if (change.kind === 'upsert') {
        if (change.record.source === 'train') {
          trained.add(itemId);
          contexts.delete(itemId);
        }
      } else {
        trained.delete(itemId);
        contexts.delete(itemId);
        trending.remove(itemId);
      }
    },
  };
}

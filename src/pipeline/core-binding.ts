import type { Config } from '../config.ts';
import type { AnnIndex } from '../core/ann-index.ts';
import type { NeighbourSource } from '../core/co-visitation.ts';
import type { SessionNeighbourSource } from '../core/session-neighbours.ts';
import { onlineModelParamsFrom } from '../core/online-model-params.ts';
import { createPendingLists, type BlendSnapshot } from '../core/blend-choice.ts';
import { createModel, type BlendState } from '../core/model.ts';
import type { Trending } from '../core/trending.ts';
import type { LearnerCore } from './learner-core.ts';
import type { ItemEmbeddingChange, ItemEmbeddingRecord } from '../core/ports.ts';

export interface BoundLearnerCore extends LearnerCore {
  /** Feed of the item-embeddings tail: tracks which items are trained and drops removed ones from trending. */
  onItemChange(change: ItemEmbeddingChange): void;
  setModelVersion(version: string): void;
  /** Items whose vectors are learned online (no trained vector). */
  readonly onlineItems: number;
  /** The blend this learner serves and the live hit rates behind the choice (blend-choice.ts). */
  blend(): BlendState;
  /** The blend credits to save for the next learner (blend-store.ts). */
  blendSnapshot(): BlendSnapshot | undefined;
}

// Item factors cached beside the index: 200k × 64 dims × 4 bytes ≈ 51 MB at most.
const MAX_CACHED_FACTORS = 200_000;
// Users whose last lists wait for their next event to credit the blends (blend-choice.ts):
// each user's top 10 of every alternative (memory per user: createPendingLists); the least recently listed go first.
const MAX_LISTED_USERS = 50_000;

/**
 * The model (src/core/model.ts) bound to one learner's index, with
 * two deliberate differences from the one-process online model for a partitioned fleet:
 * trained item vectors do not drift per learner (itemPrior 0), and there is no per-learner
 * refit. Each learner sees only its partitions, so both would make learners publish
 * conflicting vectors for the same item; refits are global and belong to the refit worker
 * (`streamrec refit`) and `streamrec train`. Items without a trained vector are placed from
 * their contexts at once and published, as in the online model.
 */
export function bindLearnerCore(
  config: Config,
  index: AnnIndex,
  trending: Trending,
  /**
   * The catalog's availability and promotions (boostOf); none = every item available, none boosted. With `indexHides` (the caller
   * did catalog.hideUnavailableIn(index)) the search leaves availability to the index and
   * stays in native code instead of calling back into JS per candidate.
   */
  availability: { isAvailable: (itemId: string) => boolean; indexHides: boolean; boostOf?: (itemId: string) => number; anyBoost?: () => boolean } = { isAvailable: () => true, indexHides: true },
  /**
   * Candidate sources beside the search: the co-visitation rules (the item-neighbours tail's
   * NeighbourTable) and the session-neighbour index (fed by a clickstream tail).
   */
  sources: { neighbours?: NeighbourSource; sessions?: SessionNeighbourSource } = {},
  /** The blend credits a predecessor saved (adapters/redis/blend-store.ts loadBlend), to carry on from. */
  blendRestored?: BlendSnapshot,
): BoundLearnerCore {
  const params = onlineModelParamsFrom(config.model);
  /** Items present in the index with a trained vector (the item-embeddings tail says which). */
  const trained = new Set<string>();
  let modelVersion = 'none';
  // Twice the list length: room for what a request's exclude, category or a newly unavailable
  // item takes out before the API has to search (20 entries, 160 bytes per user at k 10).
  const poolSize = 2 * config.model.k;
  const model = createModel(
    { ...params, itemPrior: 0 },
    {
      index,
      trending: () => trending,
      // Read back from the index after a put: what replicas tailing item-embeddings serve.
      factorCache: { maxCached: MAX_CACHED_FACTORS, keepPut: false },
      trained: { has: (id) => trained.has(id), get: (id) => (trained.has(id) ? model.factors.factorOf(id) : undefined) },
      catalog: { isAvailable: availability.isAvailable, indexHidesUnavailable: availability.indexHides, ...(availability.boostOf ? { boostOf: availability.boostOf } : {}), ...(availability.anyBoost ? { anyBoost: availability.anyBoost } : {}) },
      modelVersion: () => modelVersion,
      blendChoice: 'learned',
      ...(blendRestored ? { blendRestored } : {}),
      ...(sources.neighbours ? { neighbours: sources.neighbours } : {}),
      ...(sources.sessions ? { sessions: sources.sessions } : {}),
    },
  );

  // The alternative blends' tops of each user's last stored list: staged when ranked (before the
  // commit), kept once the user's events are committed, credited by the user's next committed
  // positive event. A batch that is retried ranks again and overwrites its staging; one given
  // up leaves it until the user is ranked again or it is the oldest past the bound.
  const staged = createPendingLists(MAX_LISTED_USERS);
  const listed = createPendingLists(MAX_LISTED_USERS);
  const weights = config.model.weights;

  return {
    get onlineItems() {
      return model.onlineItems;
    },
    setModelVersion(version) {
      modelVersion = version;
    },
    modelVersion: () => modelVersion,
    newState: (userId) => model.newState(userId),
    applyEvent: (state, event, position, nowMs) => model.applyEvent(state, event, { position, nowMs }),
    learnItems(applied, nowMs) {
      const updated = new Map<string, ItemEmbeddingRecord>();
      for (const { event } of applied) {
        const lists = weights[event.type] > 0 ? listed.take(event.userId) : undefined;
        if (lists) model.creditBlend(lists, event.itemId);
      }
      // Only these users' stagings: another partition's batch may be between its ranking and its commit.
      for (const { event } of applied) {
        const lists = staged.take(event.userId);
        if (lists) listed.keep(event.userId, lists);
      }
      for (const { event, historyBefore } of applied) {
        const vector = model.learnItem(event, historyBefore);
        if (vector) updated.set(event.itemId, { itemId: event.itemId, vector, modelVersion, updatedAtMs: nowMs, source: 'online' });
      }
      return [...updated.values()];
    },
    withPool(state) {
      const ranked = model.rank(state, poolSize);
      if (ranked === undefined) return state;
      if (ranked.alternatives) staged.keep(state.userId, ranked.alternatives);
      return { ...state, pool: ranked.pool };
    },
    blend: () => model.blend,
    blendSnapshot: () => model.blendSnapshot(),
    // The stored ranking was made moments ago for this very state (withPool), so the list needs
    // no search unless the model changed since (the binding has no age policy).
    recommend: (user) => model.recommend(user, { k: config.model.k }).items,
    onItemChange(change) {
      if (change.kind === 'invalid') return;
      const itemId = change.kind === 'upsert' ? change.record.itemId : change.itemId;
      model.factors.forget(itemId);
      if (change.kind === 'upsert') {
        if (change.record.source === 'train') {
          trained.add(itemId);
          model.forgetContext(itemId);
        }
      } else {
        trained.delete(itemId);
        model.forgetContext(itemId);
        trending.remove(itemId);
      }
    },
  };
}

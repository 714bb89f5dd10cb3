import type { AnnIndex } from './ann-index.ts';
import type { ClickEvent } from './events.ts';
import { createExactIndex } from './exact-index.ts';
import { indexVectorOf } from './item-space.ts';
import { isDuplicateEvent } from './learner.ts';
import { createPendingLists } from './blend-choice.ts';
import { createModel, type BlendState } from './model.ts';
import type { Recommendation, RecommendedItem } from './recommender.ts';
import { createItemRefitter } from './item-refitter.ts';
import type { OnlineModelParams } from './online-model-params.ts';
import { createSessionNeighbours } from './session-neighbours.ts';
import { createTrending, type Trending } from './trending.ts';
import { createColdChoice } from './cold-choice.ts';
import type { UserState } from './user-state.ts';
import type { Vector } from './vector.ts';

export interface ItemUpdate {
  itemId: string;
  vector: Vector;
  source: 'online' | 'train';
}

export interface OnlineModel {
  readonly index: AnnIndex;
  readonly trending: Trending;
  user(userId: string): UserState | undefined;
  recommend(userId: string, k: number, exclude?: Iterable<string>): Recommendation;
  /** The items the model puts beside `itemId` (Model.similar, what GET /v1/items/:id/similar answers). */
  similar(itemId: string, k: number, depth?: number): RecommendedItem[];
  /** Learns from one event (test-then-learn: call recommend first). Returns the item vectors it changed. */
  learn(event: ClickEvent): ItemUpdate[];
  readonly refits: number;
  /** Refits the release check held back (refit-gate.ts). */
  readonly refitsHeldBack: number;
  /** The blend choice now (model.ts BlendState): which blend serves, and each one's hit rate. */
  readonly blend: BlendState;
}

/**
 * Serve as the API does with candidate pools: after each event the user's ranking (top `size`)
 * is stored with the state, and recommend serves it while it is at most `maxAgeMs` old (event
 * time) and of the current item space (a refit aligned onto the last keeps it), else searches.
 */
export interface ServingPools {
  size: number;
  maxAgeMs: number;
}

/**
 * The whole online model in one process: the model object (model.ts) learning per-user states
 * and item embeddings as the learner learns them (new items placed by their contexts at once)
 * and answering, the refitter's co-visitation rules and periodic refit (all items refit and
 * rotated onto the previous factors), and session neighbours. The evaluation replays through
 * this; the learner binds the same model around Redis and Kafka, and the refit worker runs the
 * same refitter.
 */
export function createOnlineModel(params: OnlineModelParams, index: AnnIndex = createExactIndex(params.learner.dim), pools?: ServingPools): OnlineModel {
  const users = new Map<string, UserState>();
  const trending = createTrending(params.trendingHalfLifeMs);
  // Co-occurrence, co-visitation rules, refit schedule and refit-and-align: the same module the
  // refit worker runs. Its `trained` (factors of the last refit) is the anchor the online updates blend with.
  const refitter = createItemRefitter({ dim: params.learner.dim, weights: params.learner.weights, cooccurrence: params.cooccurrence, coVisitation: params.coVisitation, refit: params.refit, gate: params.refitGate });
  const sessions = createSessionNeighbours(params.sessions);
  // The item space stored rankings were made in: a refit aligned onto the last one keeps it,
  // as the refit worker's version names do (model-version.ts).
  let lineage = 0;
  let version = `online-${lineage}`;
  // The replay's clock: the newest event time learned (events arrive in time order).
  let nowTs = 0;
  const cold = params.coldChoice ? createColdChoice(params.coldChoice, () => trending, params.trendingHalfLifeMs) : undefined;
  const model = createModel(params, {
    index,
    trending: () => trending,
    ...(cold ? { cold } : {}),
    // Every factor is kept as put: one process, no replicas to agree with.
    factorCache: { maxCached: Infinity, keepPut: true },
    trained: { has: (id) => refitter.trained.has(id), get: (id) => refitter.trained.get(id) },
    neighbours: refitter.coVisitation,
    sessions,
    blendChoice: 'learned',
    modelVersion: () => version,
    ...(pools ? { storedRankings: { maxAgeMs: pools.maxAgeMs, now: () => nowTs } } : {}),
  });

  // The alternative blends' tops of the last list searched for, credited when its user acts
  // next (a replay asks right before it learns the event); with pools, of each user's stored
  // ranking, as the learner credits them.
  let lastList: { userId: string; alternatives: number[][] } | undefined;
  const pooledLists = createPendingLists(Number.POSITIVE_INFINITY);
  // The horizons' tops of the last cold list, credited by that user's first event.
  let lastCold: { userId: string; lists: number[][] } | undefined;

  function refit(): ItemUpdate[] {
    const result = refitter.refit();
    // Held back by the release check: the served vectors stay, as the refit worker's would.
    if (!result.verdict.accepted) return [];
    if (!result.aligned) version = `online-${++lineage}`;
    model.forgetContexts();
    const vectors = new Map<string, Vector>();
    for (const [itemId, factor] of result.vectors) vectors.set(itemId, indexVectorOf(factor));
    // All at once: an HNSW index moves the points' data and rebuilds its graph instead of relinking each.
    model.factors.putMany(vectors);
    return [...vectors].map(([itemId, vector]) => ({ itemId, vector, source: 'train' as const }));
  }

  return {
    index,
    trending,
    get refits() {
      return refitter.refits;
    },
    get refitsHeldBack() {
      return refitter.heldBack;
    },
    get blend() {
      return model.blend;
    },
    user: (userId) => users.get(userId),
    recommend(userId, k, exclude) {
      const r = model.recommend(users.get(userId), exclude ? { k, exclude } : { k });
      lastList = r.alternatives ? { userId, alternatives: r.alternatives } : undefined;
      lastCold = r.coldAlternatives ? { userId, lists: r.coldAlternatives } : undefined;
      return r;
    },
    similar: (itemId, k, depth) => model.similar(itemId, k, depth),
    learn(event) {
      const prev = users.get(event.userId) ?? model.newState(event.userId);
      if (isDuplicateEvent(prev, event)) return [];
      const updates: ItemUpdate[] = [];
      if (params.learner.weights[event.type] > 0) {
        const lists = lastList?.userId === event.userId ? lastList.alternatives : pooledLists.take(event.userId);
        if (lists) model.creditBlend(lists, event.itemId);
        if (lastCold?.userId === event.userId) model.creditCold(lastCold.lists, event.itemId);
        // A user's first event is a cold user's first click: what the entry trackers count.
        cold?.add(event.itemId, event.ts, params.learner.weights[event.type], prev.eventCount === 0);
      }
      lastList = undefined;
      lastCold = undefined;
      // What the fleet's refit worker and session tail learn from the clickstream, here in process.
      refitter.observe(event, prev.history);
      const vector = model.learnItem(event, prev.history);
      if (vector) updates.push({ itemId: event.itemId, vector, source: 'online' });
      if (params.learner.weights[event.type] > 0) sessions.observe(event.userId, event.itemId);
      const state = model.applyEvent(prev, event, { nowMs: event.ts });
      users.set(event.userId, state);
      // A loop, not push(...): a refit returns every item, past ~100,000 more than a call's arguments may be.
      if (refitter.due) for (const update of refit()) updates.push(update);
      nowTs = Math.max(nowTs, event.ts);
      if (pools) {
        const ranked = model.rank(state, pools.size);
        if (ranked) users.set(event.userId, { ...state, pool: ranked.pool });
        if (ranked?.alternatives) pooledLists.keep(event.userId, ranked.alternatives);
      }
      return updates;
    },
  };
}

import type { AnnIndex } from './ann-index.ts';
import type { CooccurrenceParams } from './cooccurrence.ts';
import type { ClickEvent } from './events.ts';
import { createExactIndex } from './exact-index.ts';
import { DEFAULT_CO_VISITATION_PARAMS, DEFAULT_CO_VISITATION_SCORING, type CoVisitationParams } from './co-visitation.ts';
import { indexVectorOf } from './item-space.ts';
import { isDuplicateEvent, learnerParamsFrom, type LearnerParams } from './learner.ts';
import { createModel } from './model.ts';
import type { Recommendation, RerankParams } from './recommender.ts';
import { createItemRefitter } from './item-refitter.ts';
import type { RefitParams } from './refit.ts';
import { createSessionNeighbours, DEFAULT_SESSION_NEIGHBOUR_PARAMS, type SessionNeighbourParams } from './session-neighbours.ts';
import { createTrending, type Trending } from './trending.ts';
import type { UserState } from './user-state.ts';
import { DEFAULT_QUERY_PARAMS, type QueryParams } from './user-query.ts';
import type { Vector } from './vector.ts';

/** The configurable part of the model (config.model satisfies it); the rest are fixed defaults. */
export interface ModelSettings extends Readonly<LearnerParams> {
  readonly trendingHalfLifeMs: number;
}

export interface OnlineModelParams {
  learner: LearnerParams;
  trendingHalfLifeMs: number;
  cooccurrence: CooccurrenceParams;
  /** Order-aware short-window rules: the co-visitation candidate source. */
  coVisitation: CoVisitationParams;
  /** The session-neighbourhood candidate source (V-SKNN learned online). */
  sessions: SessionNeighbourParams;
  refit: RefitParams;
  query: QueryParams;
  rerank: RerankParams;
  /**
   * How strongly a trained item's vector follows its new contexts between refits (pseudo-count);
   * 0 keeps trained vectors fixed until the next refit, as production learners do.
   */
  itemPrior: number;
}

/**
 * Defaults chosen by prequential replay of MovieLens 100K (see README): the knobs that are
 * not configuration come from here, the rest from config.model.
 */
export function onlineModelParamsFrom(model: ModelSettings): OnlineModelParams {
  return {
    learner: learnerParamsFrom(model),
    trendingHalfLifeMs: model.trendingHalfLifeMs,
    cooccurrence: { window: 20, recencyDecay: 0.9 },
    coVisitation: DEFAULT_CO_VISITATION_PARAMS,
    sessions: DEFAULT_SESSION_NEIGHBOUR_PARAMS,
    refit: {
      similarity: { normalisation: 'cosine', smoothing: 0.75, shift: 1 },
      minCount: 3,
      vocabCap: 20_000,
      iterations: 6,
      eigPower: 0.5,
      seed: 1,
      firstAfterEvents: 1000,
      growth: 2,
      maxEveryEvents: 10_000,
    },
    query: DEFAULT_QUERY_PARAMS,
    // ML-100K replays: trending re-rank 0.1 lifts HR@10 by ~0.003-0.005; drift of trained items
    // between refits (itemPrior 50) cost ~0.002 and is not what production does, hence 0.
    rerank: { candidates: 50, trendingWeight: 0.1, coVisitationWeight: 10, embeddingWeight: 1, sessionWeight: 30, coVisitation: DEFAULT_CO_VISITATION_SCORING },
    itemPrior: 0,
  };
}

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
  /** Learns from one event (test-then-learn: call recommend first). Returns the item vectors it changed. */
  learn(event: ClickEvent): ItemUpdate[];
  readonly refits: number;
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
  const refitter = createItemRefitter({ dim: params.learner.dim, weights: params.learner.weights, cooccurrence: params.cooccurrence, coVisitation: params.coVisitation, refit: params.refit });
  const sessions = createSessionNeighbours(params.sessions);
  // The item space stored rankings were made in: a refit aligned onto the last one keeps it,
  // as the refit worker's version names do (model-version.ts).
  let lineage = 0;
  let version = `online-${lineage}`;
  // The replay's clock: the newest event time learned (events arrive in time order).
  let nowTs = 0;
  const model = createModel(params, {
    index,
    trending: () => trending,
    // Every factor is kept as put: one process, no replicas to agree with.
    factorCache: { maxCached: Infinity, keepPut: true },
    trained: { has: (id) => refitter.trained.has(id), get: (id) => refitter.trained.get(id) },
    neighbours: refitter.coVisitation,
    sessions,
    modelVersion: () => version,
    ...(pools ? { storedRankings: { maxAgeMs: pools.maxAgeMs, now: () => nowTs } } : {}),
  });

  function refit(): ItemUpdate[] {
    const result = refitter.refit();
    if (!result.aligned) version = `online-${++lineage}`;
    model.forgetContexts();
    const updates: ItemUpdate[] = [];
    for (const [itemId, factor] of result.vectors) {
      const vector = indexVectorOf(factor);
      model.factors.put(itemId, vector);
      updates.push({ itemId, vector, source: 'train' });
    }
    return updates;
  }

  return {
    index,
    trending,
    get refits() {
      return refitter.refits;
    },
    user: (userId) => users.get(userId),
    recommend: (userId, k, exclude) => model.recommend(users.get(userId), exclude ? { k, exclude } : { k }),
    learn(event) {
      const prev = users.get(event.userId) ?? model.newState(event.userId);
      if (isDuplicateEvent(prev, event)) return [];
      const updates: ItemUpdate[] = [];
      // What the fleet's refit worker and session tail learn from the clickstream, here in process.
      refitter.observe(event, prev.history);
      const vector = model.learnItem(event, prev.history);
      if (vector) updates.push({ itemId: event.itemId, vector, source: 'online' });
      if (params.learner.weights[event.type] > 0) sessions.observe(event.userId, event.itemId);
      const state = model.applyEvent(prev, event, { nowMs: event.ts });
      users.set(event.userId, state);
      if (refitter.due) updates.push(...refit());
      nowTs = Math.max(nowTs, event.ts);
      if (pools) {
        const pool = model.rank(state, pools.size);
        if (pool) users.set(event.userId, { ...state, pool });
      }
      return updates;
    },
  };
}

import type { AnnIndex } from '../core/ann-index.ts';
import type { ClickEvent, EventWeights } from '../core/events.ts';
import type { NeighbourSource } from '../core/co-visitation.ts';
import type { SessionNeighbourSource } from '../core/session-neighbours.ts';
import { createPendingLists, type BlendSnapshot } from '../core/blend-choice.ts';
import type { ColdChoice, ColdState } from '../core/cold-choice.ts';
import { createModel, type BlendState, type ModelParams } from '../core/model.ts';
import { SIMILAR_DEPTH } from '../core/recommender.ts';
import type { Trending } from '../core/trending.ts';
import type { Logger } from '../log.ts';
import type { CatalogView, Recommender } from '../core/ports.ts';

/** When a user's stored candidate pool stands in for a search (core/recommender.ts usablePool). */
export interface PoolPolicy {
  /** The model version this process serves; a pool ranked in another item space (lineage, model-version.ts) is not used. */
  modelVersion: () => string;
  /** config.http.poolMaxAgeMs; 0 = always search. */
  maxAgeMs: number;
  now?: () => number;
}

// Users whose last searched list (and, apart, cold users whose list) waits for their next
// event, at most this many per map (memory per user: blend-choice.ts createPendingLists).
const MAX_LISTED_USERS = 50_000;

export interface BoundRecommender extends Recommender {
  /** A clickstream event this process saw (its tail): credits the blends of the user's last list. */
  afterEvent(event: ClickEvent): void;
  /** The blend served and the live hit rates behind it (blend-choice.ts). */
  blend(): BlendState;
  /** The horizon serving cold users and each one's live hit rate; undefined without a clickstream tail. */
  cold(): ColdState | undefined;
}

/**
 * The model's recommender bound to this process: its index, its in-memory catalog view
 * and the current trending copy (a getter, because the copy is swapped on refresh). The
 * query (long-term taste blended with recent history) and re-ranking come from the same
 * OnlineModelParams the evaluation replays with, so serving ranks like the measured model.
 */
export function bindRecommender(
  index: AnnIndex,
  catalog: CatalogView,
  trending: () => Trending,
  params: ModelParams,
  log: Logger,
  pools: PoolPolicy,
  /** Candidates each source proposes to `similar`, whatever k: at least MAX_K, so any answer is a prefix of a longer one. */
  similarDepth: number = SIMILAR_DEPTH,
  /**
   * The candidate sources beside the search, scored with it and resolving stored rankings: the
   * co-visitation rules (the item-neighbours tail's NeighbourTable) and the session-neighbour
   * index (fed by the clickstream tail).
   */
  sources: { neighbours?: NeighbourSource; sessions?: SessionNeighbourSource } = {},
  /**
   * Given when this process sees the clickstream (the API's tail): its searches rank the
   * alternative blends too, and `afterEvent` credits them with what each user did next.
   */
  feedback?: { weights: EventWeights; restored?: BlendSnapshot; cold?: ColdChoice },
): BoundRecommender {
  // The index hides unavailable items itself from here on, so searches stay in native code.
  catalog.hideUnavailableIn(index);
  // Answers only: no factor cache (the item-embeddings tail changes the index behind the model), nothing learned.
  const model = createModel(
    params,
    {
      index,
      trending,
      catalog: { isAvailable: (itemId) => catalog.isAvailable(itemId), categoryOf: (itemId) => catalog.categoryOf(itemId), boostOf: (itemId) => catalog.boostOf(itemId), anyBoost: () => catalog.boostedCount > 0, indexHidesUnavailable: true },
      modelVersion: pools.modelVersion,
      storedRankings: { maxAgeMs: pools.maxAgeMs, now: pools.now ?? Date.now },
      onError: (err) => log.warn({ err: (err as Error).message }, 'model path failed; answered from trending'),
      ...(sources.neighbours ? { neighbours: sources.neighbours } : {}),
      ...(sources.sessions ? { sessions: sources.sessions } : {}),
      ...(feedback ? { blendChoice: 'learned' as const } : {}),
      ...(feedback?.restored ? { blendRestored: feedback.restored } : {}),
      ...(feedback?.cold ? { cold: feedback.cold } : {}),
    },
  );
  // The alternative blends' tops of the last list searched for each user, credited by the
  // user's next positive event on the tail (the learner does the same with its stored lists).
  const listed = createPendingLists(MAX_LISTED_USERS);
  // The same for cold users' lists and the popularity horizons (cold-choice.ts).
  const coldListed = createPendingLists(MAX_LISTED_USERS);
  return {
    recommend(user, options) {
      const answer = model.recommend(user, options);
      if (feedback && user && answer.alternatives) listed.keep(user.userId, answer.alternatives);
      const coldId = user?.userId ?? options.userId;
      if (feedback && coldId !== undefined && answer.coldAlternatives) coldListed.keep(coldId, answer.coldAlternatives);
      return answer;
    },
    afterEvent(event) {
      if (!feedback || !(feedback.weights[event.type] > 0)) return;
      const lists = listed.take(event.userId);
      if (lists) model.creditBlend(lists, event.itemId);
      const coldLists = coldListed.take(event.userId);
      if (coldLists) model.creditCold(coldLists, event.itemId);
    },
    blend: () => model.blend,
    cold: () => model.cold,
    servesStoredRanking: (user) => model.servesStoredRanking(user),
    similar: (itemId, k) => model.similar(itemId, k, similarDepth).map(({ itemId: id, score, promoted }) => (promoted ? { itemId: id, score, promoted } : { itemId: id, score })),
  };
}

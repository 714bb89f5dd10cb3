import type { CatalogView, Recommender } from '../adapters/http/deps.ts';
import type { AnnIndex } from '../core/ann-index.ts';
import type { NeighbourSource } from '../core/co-visitation.ts';
import type { OnlineModelParams } from '../core/online-model.ts';
import { modelTag, recommend, SIMILAR_DEPTH, similarItems, usablePool } from '../core/recommender.ts';
import type { Trending } from '../core/trending.ts';
import { userQuery } from '../core/user-query.ts';
import type { UserState } from '../core/user-state.ts';
import type { Logger } from '../log.ts';

/** When a user's stored candidate pool stands in for a search (core/recommender.ts usablePool). */
export interface PoolPolicy {
  /** The model version this process serves; a pool ranked in another item space (lineage, model-version.ts) is not used. */
  modelVersion: () => string;
  /** config.http.poolMaxAgeMs; 0 = always search. */
  maxAgeMs: number;
  now?: () => number;
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
  params: Pick<OnlineModelParams, 'learner' | 'query' | 'rerank'>,
  log: Logger,
  pools: PoolPolicy,
  /** Candidates `similar` re-ranks, whatever k: at least MAX_K, so any answer is a prefix of a longer one. */
  similarDepth: number = SIMILAR_DEPTH,
  /** The co-visitation rules (the item-neighbours tail's NeighbourTable), scored with the search and resolving stored rankings. */
  neighbours?: NeighbourSource,
): Recommender {
  // The index hides unavailable items itself from here on, so searches stay in native code.
  catalog.hideUnavailableIn(index);
  const isAvailable = (itemId: string) => catalog.isAvailable(itemId);
  const categoryOf = (itemId: string) => catalog.categoryOf(itemId);
  const vectorOf = (itemId: string) => index.vectorOf(itemId);
  const queryOf = (user: UserState) => userQuery(user, vectorOf, params.learner.weights, params.query);
  // A zero trending weight re-ranks nothing; fetching its candidate pool would only cost time.
  const rerank = params.rerank.trendingWeight !== 0 ? params.rerank : undefined;
  const now = pools.now ?? Date.now;
  let tagOf = { version: '', tag: 0 };
  const currentTag = () => {
    const version = pools.modelVersion();
    if (version !== tagOf.version) tagOf = { version, tag: modelTag(version) };
    return tagOf.tag;
  };
  return {
    recommend(req) {
      const request: Parameters<typeof recommend>[0] = {
        user: req.user,
        k: req.k,
        exclude: req.exclude,
        index,
        isAvailable,
        indexHidesUnavailable: true,
        categoryOf,
        trending: trending(),
        queryOf,
        rerank,
        neighbours,
        onError: (err) => log.warn({ err: (err as Error).message }, 'model path failed; answered from trending'),
      };
      if (req.category !== undefined) request.category = req.category;
      const pool = usablePool(req.user, currentTag(), now(), pools.maxAgeMs);
      if (pool !== undefined) request.pool = pool;
      return recommend(request);
    },
    servesStoredRanking: (user) => usablePool(user, currentTag(), now(), pools.maxAgeMs) !== undefined,
    similar(itemId, k) {
      return similarItems(index, itemId, k, isAvailable, similarDepth).map(({ itemId: id, score }) => ({ itemId: id, score }));
    },
  };
}

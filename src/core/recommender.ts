import type { AnnIndex, SearchFilter } from './ann-index.ts';
import { hasDirection } from './index-common.ts';
import { itemHash } from './item-hash.ts';
import { factorPart } from './item-space.ts';
import { DEFAULT_EVENT_WEIGHTS, type EventWeights } from './events.ts';
import { DEFAULT_QUERY_PARAMS, userQuery, type QueryParams } from './user-query.ts';
import type { Trending } from './trending.ts';
import type { UserState } from './user-state.ts';
import type { Vector } from './vector.ts';

export type RecommendationSource = 'model' | 'trending';

export interface RecommendedItem {
  itemId: string;
  score: number;
  source: RecommendationSource;
}

export interface Recommendation {
  items: RecommendedItem[];
  /** How many of the k slots stayed empty (nothing eligible was left). */
  underfilled: number;
  /** True when the model was not used at all (cold user or a failure) and trending answered. */
  fallback: boolean;
}

export interface RecommendRequest {
  user: UserState | undefined;
  k: number;
  exclude?: readonly string[];
  category?: string;
  index: AnnIndex;
  isAvailable: (itemId: string) => boolean;
  /**
   * True when the index already hides every item isAvailable rejects (the catalog view keeps
   * index.setHidden in step, or isAvailable accepts everything): the search then skips the
   * per-candidate availability callback, which keeps it in native code. Same results either
   * way; the trending top-up still asks isAvailable.
   */
  indexHidesUnavailable?: boolean;
  categoryOf?: (itemId: string) => string | undefined;
  trending: Trending;
  /** Event weights for the short-term part of the query (config.model.weights); defaults to the standard ones. */
  weights?: EventWeights;
  /** Query blend (user-query.ts); defaults to DEFAULT_QUERY_PARAMS, the blend eval measured. */
  query?: QueryParams;
  /** Replaces the query construction altogether (tests, experiments). */
  queryOf?: (user: UserState, index: AnnIndex) => Vector | undefined;
  /** Re-ranking of an over-fetched candidate pool (see RerankParams); none by default. */
  rerank?: RerankParams;
  /** Called when the model path throws, before falling back (for logs and metrics). */
  onError?: (err: unknown) => void;
}

/**
 * Nearest neighbours are fetched `candidates` deep, then ranked by
 * cosine + trendingWeight · trending(item) / trending(top item): similarity proposes,
 * current popularity breaks near-ties between similar items.
 */
export interface RerankParams {
  candidates: number;
  trendingWeight: number;
}

// Over-fetch starts at k and grows geometrically; the filter runs inside the search, so a
// miss only happens when the graph walk cannot reach enough accepted items.
const GROWTH = 4;
const MAX_ROUNDS = 4;

/**
 * User vector → nearest items, minus seen, excluded, unavailable and other-category items,
 * still k when the catalog allows; cold users and failures fall back to trending, and slots
 * the model cannot fill are topped up from trending. Every item says where it came from.
 */
export function recommend(req: RecommendRequest): Recommendation {
  const k = Math.max(0, Math.floor(req.k));
  const { accept, search } = acceptFilter(req);
  let query: Vector | undefined;
  let modelItems: RecommendedItem[] | undefined;
  try {
    if (req.user && req.user.eventCount > 0) {
      query = req.queryOf
        ? req.queryOf(req.user, req.index)
        : userQuery(req.user, (id) => req.index.vectorOf(id), req.weights ?? DEFAULT_EVENT_WEIGHTS, req.query ?? DEFAULT_QUERY_PARAMS);
      if (query && hasDirection(query)) modelItems = searchModel(req.index, query, k, search, req.rerank, req.trending);
    }
  } catch (err) {
    req.onError?.(err);
    modelItems = undefined;
  }
  if (modelItems === undefined) {
    const items = trendingItems(req.trending, k, accept, new Set());
    return { items, underfilled: k - items.length, fallback: true };
  }
  const taken = new Set(modelItems.map((i) => i.itemId));
  const items = modelItems.concat(trendingItems(req.trending, k - modelItems.length, accept, taken));
  return { items, underfilled: k - items.length, fallback: false };
}

/**
 * Items closest to `itemId`, never itself, only available ones. The inner-product search
 * (item-space.ts) proposes 4k candidates; they are ranked by the cosine of the factors, so
 * "similar" means same direction rather than "popular and roughly aligned".
 */
export function similarItems(index: AnnIndex, itemId: string, k: number, isAvailable: (itemId: string) => boolean): RecommendedItem[] {
  const v = index.vectorOf(itemId);
  if (!v || k <= 0) return [];
  const query = factorPart(v);
  if (!hasDirection(query)) return [];
  return index
    .search(query, k * 4, (id) => id !== itemId && isAvailable(id))
    .map((n) => {
      const y = index.vectorOf(n.itemId);
      // |factor| = sqrt(1 - reserved²) for a unit index vector.
      const reserved = y ? y[y.length - 1]! : 0;
      const factorNorm = Math.sqrt(Math.max(1e-12, 1 - reserved * reserved));
      return { itemId: n.itemId, score: n.score / factorNorm, source: 'model' as const };
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

function searchModel(
  index: AnnIndex,
  query: Vector,
  k: number,
  accept: SearchFilter,
  rerank: RerankParams | undefined,
  trending: Trending,
): RecommendedItem[] {
  if (k === 0 || index.size === 0) return [];
  const want = Math.max(k, rerank?.candidates ?? 0);
  let fetch = want;
  let found = index.search(query, fetch, accept);
  for (let round = 1; found.length < want && fetch < index.size && round < MAX_ROUNDS; round++) {
    fetch = Math.min(index.size, fetch * GROWTH);
    found = index.search(query, fetch, accept);
  }
  if (rerank && rerank.trendingWeight !== 0 && found.length > k) {
    const top = trending.top(1)[0]?.score ?? 0;
    if (top > 0) {
      const w = rerank.trendingWeight / top;
      found = found.map((n) => ({ itemId: n.itemId, score: n.score + w * trending.score(n.itemId) })).sort((a, b) => b.score - a.score);
    }
  }
  return found.slice(0, k).map((n) => ({ itemId: n.itemId, score: n.score, source: 'model' as const }));
}

function trendingItems(trending: Trending, n: number, accept: (id: string) => boolean, taken: ReadonlySet<string>): RecommendedItem[] {
  if (n <= 0) return [];
  return trending
    .top(n, (id) => !taken.has(id) && accept(id))
    .map((t) => ({ itemId: t.itemId, score: t.score, source: 'trending' as const }));
}

/**
 * What may be recommended: not seen, not excluded, available, in the category. `accept` is the
 * predicate (trending top-up); `search` is the same filter in the form the index applies
 * cheaply, with the catalog part left out when it cannot reject anything.
 */
function acceptFilter(req: RecommendRequest): { accept: (itemId: string) => boolean; search: SearchFilter } {
  const blocked = new Set<number>(req.user?.seen ?? []);
  for (const id of req.exclude ?? []) blocked.add(itemHash(id));
  const { category, categoryOf, isAvailable } = req;
  const catalogAccepts = (id: string) => isAvailable(id) && (category === undefined || categoryOf?.(id) === category);
  const accept = (id: string) => !blocked.has(itemHash(id)) && catalogAccepts(id);
  const catalogMayReject = category !== undefined || req.indexHidesUnavailable !== true;
  return { accept, search: catalogMayReject ? { rejectHashes: blocked, accept: catalogAccepts } : { rejectHashes: blocked } };
}

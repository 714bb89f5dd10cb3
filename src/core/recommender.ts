import type { AnnIndex, Neighbour, SearchFilter } from './ann-index.ts';
import { hasDirection } from './index-common.ts';
import { itemHash } from './item-hash.ts';
import { factorPart } from './item-space.ts';
import { modelLineage } from './model-version.ts';
import { DEFAULT_EVENT_WEIGHTS, EVENT_TYPES, type EventWeights } from './events.ts';
import { coVisitationScores, DEFAULT_CO_VISITATION_SCORING, type NeighbourSource } from './co-visitation.ts';
import { boostSpread, Proposals, type RerankParams } from './proposals.ts';
import type { SessionNeighbourSource } from './session-neighbours.ts';
import { DEFAULT_QUERY_PARAMS, userQuery, type QueryParams } from './user-query.ts';
import type { Trending } from './trending.ts';
import type { CandidatePool, UserState } from './user-state.ts';
import type { Vector } from './vector.ts';

export type { RerankParams } from './proposals.ts';

export type RecommendationSource = 'model' | 'trending';

export interface RecommendedItem {
  itemId: string;
  score: number;
  source: RecommendationSource;
  /** Lifted by a promotion (the catalog's boost) when the list was served: a storefront may label it. */
  promoted?: true;
}

export interface Recommendation {
  items: RecommendedItem[];
  /** How many of the k slots stayed empty (nothing eligible was left). */
  underfilled: number;
  /** True when the model was not used at all (cold user or a failure) and trending answered. */
  fallback: boolean;
  /** The cold rule's verdict: no user or no event yet (the model's call, not the caller's). */
  cold: boolean;
  /** Where the model's items came from: the stored pool or a search; absent when the model was not asked (cold user). */
  candidates?: 'pool' | 'search';
  /** With req.alternatives and a search: each alternative blend's top `depth` as itemHash values (blend-choice.ts). */
  alternatives?: number[][];
  /** For a cold user of a model that learns its cold horizon: each horizon's top as itemHash values (cold-choice.ts). */
  coldAlternatives?: number[][];
}

export interface RecommendRequest {
  user: UserState | undefined;
  k: number;
  /** Item ids never to return (iterated once per request). */
  exclude?: Iterable<string>;
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
  /**
   * Promotions (the catalog's boosts, 0–1; 0 for most items): a candidate the model proposed is
   * lifted by boost × the spread between the best and the 20th best candidate's score, so boost 1
   * puts one from the first 20 above every candidate without a boost. Applied when a list is
   * served (search or stored ranking), never stored. Never proposes an item, never passes a filter.
   */
  boostOf?: (itemId: string) => number;
  trending: Trending;
  /** Fills the slots `trending` leaves empty when a list falls back to or is topped up from it (the cold choice's served horizon may hold few items). */
  topUpTrending?: Trending;
  /** Event weights for the short-term part of the query (config.model.weights); defaults to the standard ones. */
  weights?: EventWeights;
  /** Query blend (user-query.ts); defaults to DEFAULT_QUERY_PARAMS, the blend eval measured. */
  query?: QueryParams;
  /** Replaces the query construction altogether (tests, experiments). */
  queryOf?: (user: UserState, index: AnnIndex) => Vector | undefined;
  /** Re-ranking of an over-fetched candidate pool (see RerankParams); none by default. */
  rerank?: RerankParams;
  /**
   * Blends to rank the same proposals under as well (one of them may be `rerank` itself, which
   * is then not ranked twice): their tops come back as Recommendation.alternatives.
   */
  alternatives?: { rerank: readonly RerankParams[]; depth: number };
  /**
   * The co-visitation rules of items (co-visitation.ts): with them the rules of the user's
   * recent items propose candidates beside the search, scored together (see RerankParams).
   */
  neighbours?: NeighbourSource;
  /**
   * Sessions sharing the user's recent items (session-neighbours.ts): their items are a third
   * candidate source, scored together with the other two when rerank.sessionWeight > 0.
   */
  sessions?: SessionNeighbourSource;
  /** Called when the model path throws, before falling back (for logs and metrics). */
  onError?: (err: unknown) => void;
  /**
   * The model's stored ranking for this same user state (usablePool decides whether it still
   * holds): served, minus what this request filters, instead of searching the index. The search
   * runs anyway when fewer than k of it pass.
   */
  pool?: CandidatePool;
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
  const filter = acceptFilter(req);
  const { accept } = filter;
  const pooled = req.pool && req.user && req.user.eventCount > 0 ? fromPool(req, req.pool, k, filter) : undefined;
  if (pooled) return { items: pooled, underfilled: 0, fallback: false, cold: false, candidates: 'pool' };
  const cold = !modelAnswers(req);
  let modelItems: RecommendedItem[] | undefined;
  // 'search' once the model was asked, even when the search then failed.
  let candidates: { candidates?: 'search'; alternatives?: number[][] } = {};
  try {
    if (!cold) {
      candidates = { candidates: 'search' };
      const searched = searchModel(req, queryFor(req), k, filter);
      modelItems = searched?.items;
      if (searched?.alternatives) candidates.alternatives = searched.alternatives;
    }
  } catch (err) {
    req.onError?.(err);
    modelItems = undefined;
  }
  if (modelItems === undefined) {
    const items = topUp(req, [], k, accept);
    return { items, underfilled: k - items.length, fallback: true, cold, ...candidates };
  }
  const items = topUp(req, modelItems, k, accept);
  return { items, underfilled: k - items.length, fallback: false, cold, ...candidates };
}

/** `items` topped up to k from trending, then from req.topUpTrending when that leaves slots empty. */
function topUp(req: RecommendRequest, items: RecommendedItem[], k: number, accept: (id: string) => boolean): RecommendedItem[] {
  const taken = new Set(items.map((i) => i.itemId));
  let out = items.concat(trendingItems(req.trending, k - items.length, accept, taken));
  if (out.length < k && req.topUpTrending && req.topUpTrending !== req.trending) {
    for (const i of out) taken.add(i.itemId);
    out = out.concat(trendingItems(req.topUpTrending, k - out.length, accept, taken));
  }
  return out;
}

/** The cold rule: the model answers a user with at least one event; everyone else gets trending. */
export function isCold(user: UserState | undefined): boolean {
  return user === undefined || user.eventCount === 0;
}

function modelAnswers(req: RecommendRequest): boolean {
  return !isCold(req.user);
}

/** The user's search query, undefined for a cold user or one without a direction. */
function queryFor(req: RecommendRequest): Vector | undefined {
  if (!req.user || req.user.eventCount === 0) return undefined;
  const query = req.queryOf
    ? req.queryOf(req.user, req.index)
    : userQuery(req.user, (id) => req.index.vectorOf(id), req.weights ?? DEFAULT_EVENT_WEIGHTS, req.query ?? DEFAULT_QUERY_PARAMS);
  return query && hasDirection(query) ? query : undefined;
}

/**
 * A model version as the tag a CandidatePool carries: the 30-bit itemHash of its lineage (5
 * bytes stored, whatever the version's length), so aligned refits keep stored rankings
 * usable and a new item space does not (model-version.ts).
 */
export function modelTag(modelVersion: string): number {
  return itemHash(modelLineage(modelVersion));
}

/**
 * The pool to store with `req.user`'s state: the model's top `size` for it (search, then the
 * trending re-rank, as recommend ranks), with the user's own filters only (seen, availability;
 * a request's exclude and category apply when it is served). Undefined for a cold user or a
 * query without a direction, which recommend answers from trending anyway. With req.alternatives,
 * also each alternative blend's top (blend-choice.ts).
 */
export function candidatePool(req: RecommendRequest, tag: number, size: number): { pool: CandidatePool; alternatives?: number[][] } | undefined {
  if (!modelAnswers(req)) return undefined;
  // Without promotions: they apply when the ranking is served (fromPool), so one that starts or
  // ends after the ranking was stored still counts, and none counts twice.
  const unboosted: RecommendRequest = { ...req, boostOf: undefined };
  const ranked = searchModel(unboosted, queryFor(req), Math.max(0, Math.floor(size)), acceptFilter({ ...req, exclude: undefined, category: undefined }));
  if (ranked === undefined) return undefined;
  const pool = { hashes: ranked.items.map((n) => itemHash(n.itemId)), scores: ranked.items.map((n) => n.score), modelTag: tag };
  return ranked.alternatives ? { pool, alternatives: ranked.alternatives } : { pool };
}

/**
 * The user's stored pool when it may stand in for a search: ranked in the current model's
 * item space (`tag`) and written at most `maxAgeMs` ago (items published since are not in it; 0 = never).
 */
export function usablePool(user: UserState | undefined, tag: number, nowMs: number, maxAgeMs: number): CandidatePool | undefined {
  const pool = user?.pool;
  if (pool === undefined || pool.modelTag !== tag || !(maxAgeMs > 0) || nowMs - user!.updatedAtMs > maxAgeMs) return undefined;
  return pool;
}

/**
 * How many candidates each source proposes to similarItems at least: as many as a user's list
 * reads (rerank.candidates); processes use similarDepthFor(MAX_K), 100 by default. Against 400
 * (what the factors' cosine re-rank needed), item pages (eval, before the trending re-rank): at
 * 100 DIGINETICA 0.0573 both, synthetic A 0.2221 → 0.2223, shop 0.2266 → 0.2268, ML-100K 0.4772
 * both; at 50 0.0578, 0.2220, 0.2262, 0.4730 (943 cases, one standard error ~0.016). CPU at
 * 100,000 items (model-cost): 568 µs at 100, 2,720 at 400.
 */
export const SIMILAR_DEPTH = 50;

/** The depth a process answers similar with: never below the largest k, so every answer is a prefix of the longest. */
export function similarDepthFor(maxK: number): number {
  return Math.max(SIMILAR_DEPTH, maxK);
}

/** What similarItems reads of a recommend request: the index, catalog and sources, no user. */
export type SimilarRequest = Pick<RecommendRequest, 'index' | 'isAvailable' | 'trending' | 'weights' | 'rerank' | 'neighbours' | 'sessions' | 'boostOf'>;

/**
 * Items to show beside `itemId` (a product page's "viewed with it"): the model's candidate
 * sources for a shopper whose only item is `itemId`, scored together under `req.rerank` as a
 * user's list is (Proposals.rank): its co-visitation rules (what shoppers viewed around it), the
 * items of the sessions that hold it, and the items its factor points to, scored by the inner
 * product as a user's query is (a longer factor, an item more firmly placed, counts more; ranking
 * by the factors' cosine instead held the next click less often, ML-100K item pages 0.4252 vs
 * 0.4772), then current popularity breaks near-ties (the blend's trending re-rank). Never
 * itself, only available ones, no trending top-up; promotions lift what the
 * sources proposed, as in a user's list. Each source proposes `depth` candidates whatever k is,
 * so the answer for k is the first k of any longer one (k ≤ depth).
 * On shop sessions the embedding alone is the weaker list by far: at each session's second
 * click, the next click was among the first item's 10 for 5.8% of DIGINETICA's 1,955 cases
 * (2.6% from the embedding alone as the endpoint answered before, with no list for 79% of
 * those items; 4.6% from the item's sequential rules), 22% on a synthetic stream (2.8%, 18.4%)
 * (src/eval/README.md).
 */
export function similarItems(req: SimilarRequest, itemId: string, k: number, depth: number = SIMILAR_DEPTH): RecommendedItem[] {
  if (k <= 0) return [];
  const { index } = req;
  const limit = Math.max(k, depth);
  const accept = (id: string) => id !== itemId && req.isAvailable(id);
  const v = index.vectorOf(itemId);
  const query = v ? factorPart(v) : undefined;
  const found = query && hasDirection(query) ? index.search(query, limit, accept) : [];
  // The item as a one-event history: the sources weigh a history by its positive events.
  const weights = req.weights ?? DEFAULT_EVENT_WEIGHTS;
  const type = EVENT_TYPES.find((t) => weights[t] > 0);
  const history = type ? [{ itemId, type, ts: 0 }] : [];
  const rerank = req.rerank;
  const covis = req.neighbours && history.length > 0 ? coVisitationScores(history, req.neighbours, weights, rerank?.coVisitation ?? DEFAULT_CO_VISITATION_SCORING, limit, accept) : undefined;
  // No user's session is the shopper's own: an id no user has (ids are never empty).
  const sessions = req.sessions && history.length > 0 && (rerank?.sessionWeight ?? 0) > 0 ? req.sessions.scores('', history, weights, limit, accept) : undefined;
  if (found.length === 0 && (covis?.scores.size ?? 0) === 0 && (sessions?.size ?? 0) === 0) return [];
  // Promotions lift what the sources proposed here as in a user's list; the lift is spread over
  // every candidate, not the first k, so answers stay prefixes.
  const boostOf = req.boostOf;
  // The trending re-rank however many candidates there are (a user's list applies it past k
  // only), so the answer for k stays the first k of a longer one. Against none: item pages
  // DIGINETICA 0.0573 → 0.0578, synthetic A 0.2223 → 0.2244, shop 0.2268 → 0.2270, ML-100K
  // 0.4772 → 0.4783, sequential 0.3 0.4729 → 0.4734.
  return modelItems(new Proposals(found, covis, sessions, req.trending, boostOf).rank(rerank, k, true), boostOf);
}

/**
 * The model's ranking from its candidate sources, and the top of each alternative blend
 * (req.alternatives) over the same proposals; undefined when none has anything to say (no
 * query direction, no rules, no neighbours).
 */
function searchModel(req: RecommendRequest, query: Vector | undefined, k: number, filter: AcceptFilter): { items: RecommendedItem[]; alternatives?: number[][] } | undefined {
  const { index, rerank } = req;
  const limit = Math.max(k, rerank?.candidates ?? 0);
  const weights = req.weights ?? DEFAULT_EVENT_WEIGHTS;
  const covis = req.neighbours && req.user ? coVisitationScores(req.user.history, req.neighbours, weights, rerank?.coVisitation ?? DEFAULT_CO_VISITATION_SCORING, limit, filter.accept) : undefined;
  const anySessionWeight = (rerank?.sessionWeight ?? 0) > 0 || (req.alternatives?.rerank.some((r) => (r.sessionWeight ?? 0) > 0) ?? false);
  const sessions = req.sessions && req.user && anySessionWeight ? req.sessions.scores(req.user.userId, req.user.history, weights, limit, filter.accept) : undefined;
  const proposed = (covis?.scores.size ?? 0) + (sessions?.size ?? 0) > 0;
  if (query === undefined && !proposed) return undefined;
  if (k === 0) return { items: [] };
  const found = query && index.size > 0 ? searchIndex(index, query, limit, filter.search) : [];
  const proposals = new Proposals(found, covis, sessions, req.trending, req.boostOf);
  const boostOf = req.boostOf;
  const items = modelItems(proposals.rank(rerank, k), boostOf);
  if (!req.alternatives) return { items };
  const { depth } = req.alternatives;
  const alternatives = req.alternatives.rerank.map((r) => (r === rerank && k >= depth ? items : proposals.rank(r, depth)).slice(0, depth).map((n) => itemHash(n.itemId)));
  return { items, alternatives };
}

/** Ranked proposals as the model's items, each one a promotion lifted flagged `promoted`. */
function modelItems(ranked: readonly Neighbour[], boostOf: ((itemId: string) => number) | undefined): RecommendedItem[] {
  return ranked.map((n) => (boostOf && boostOf(n.itemId) > 0 ? { itemId: n.itemId, score: n.score, source: 'model', promoted: true } : { itemId: n.itemId, score: n.score, source: 'model' }));
}

/** The nearest `want` items that pass `accept`, searching deeper when the filter rejected too many. */
function searchIndex(index: AnnIndex, query: Vector, want: number, accept: SearchFilter): Neighbour[] {
  let fetch = want;
  let found = index.search(query, fetch, accept);
  for (let round = 1; found.length < want && fetch < index.size && round < MAX_ROUNDS; round++) {
    fetch = Math.min(index.size, fetch * GROWTH);
    found = index.search(query, fetch, accept);
  }
  return found;
}

/**
 * The first k of the stored ranking that pass this request's filters, in its order and with its
 * scores; undefined when fewer than k pass (the caller searches then). A hash resolves to the
 * indexed ids and the ids the rules and session neighbours propose (items without a vector); an entry
 * whose hash more than one such id shares is skipped: the pool cannot say which of them it ranked.
 */
function fromPool(req: RecommendRequest, pool: CandidatePool, k: number, filter: AcceptFilter): RecommendedItem[] | undefined {
  // With promotions every entry that passes may be lifted into the first k: all are read.
  const depth = req.boostOf ? pool.hashes.length : k;
  const out: RecommendedItem[] = [];
  for (let i = 0; i < pool.hashes.length && out.length < depth; i++) {
    const hash = pool.hashes[i]!;
    if (filter.blocked.has(hash)) continue;
    const ids = idsWithHash(req, hash);
    if (ids.length !== 1 || !filter.catalogAccepts(ids[0]!)) continue;
    out.push({ itemId: ids[0]!, score: pool.scores[i] ?? 0, source: 'model' });
  }
  if (out.length < k) return undefined;
  return (req.boostOf ? boostedList(out, req.boostOf) : out).slice(0, k);
}

/** A stored ranking's entries (best first) with promotions applied as Proposals.boosted applies them to a search's candidates. */
function boostedList(items: RecommendedItem[], boostOf: (itemId: string) => number): RecommendedItem[] {
  const boosts = items.map((i) => boostOf(i.itemId));
  if (!boosts.some((b) => b > 0)) return items;
  const lift = boostSpread(items.map((i) => i.score));
  // Stable: entries that end up level keep the stored order.
  return items
    .map((item, at) => ({ item: boosts[at]! > 0 ? { ...item, score: item.score + boosts[at]! * lift, promoted: true as const } : item, at }))
    .sort((a, b) => b.item.score - a.item.score || a.at - b.at)
    .map((e) => e.item);
}


function idsWithHash(req: RecommendRequest, hash: number): readonly string[] {
  const indexed = req.index.idsWithHash(hash);
  const ruled = req.neighbours?.idsWithHash?.(hash) ?? [];
  const shared = req.sessions?.idsWithHash(hash) ?? [];
  if (ruled.length === 0 && shared.length === 0) return indexed;
  return [...new Set([...indexed, ...ruled, ...shared])];
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
interface AcceptFilter {
  accept: (itemId: string) => boolean;
  search: SearchFilter;
  /** itemHash of the seen and excluded items. */
  blocked: ReadonlySet<number>;
  /** Availability and category. */
  catalogAccepts: (itemId: string) => boolean;
}

function acceptFilter(req: RecommendRequest): AcceptFilter {
  const blocked = new Set<number>(req.user?.seen ?? []);
  for (const id of req.exclude ?? []) blocked.add(itemHash(id));
  const { category, categoryOf, isAvailable } = req;
  const catalogAccepts = (id: string) => isAvailable(id) && (category === undefined || categoryOf?.(id) === category);
  const accept = (id: string) => !blocked.has(itemHash(id)) && catalogAccepts(id);
  const catalogMayReject = category !== undefined || req.indexHidesUnavailable !== true;
  return { accept, blocked, catalogAccepts, search: catalogMayReject ? { rejectHashes: blocked, accept: catalogAccepts } : { rejectHashes: blocked } };
}

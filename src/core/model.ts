import type { AnnIndex } from './ann-index.ts';
import type { NeighbourSource } from './co-visitation.ts';
import { createItemFactors, createLearning, type ItemFactors, type ItemFactorsPolicy, type Learning, type LearningParams, type TrainedItems } from './learning.ts';
import { blendAlternatives, blendLabels, createBlendChooser, type AlternativeLists, type BlendChoiceParams, type BlendSnapshot } from './blend-choice.ts';
import type { ColdChoice, ColdState } from './cold-choice.ts';
import { itemHash } from './item-hash.ts';
import { candidatePool, isCold, modelTag, recommend, similarItems, usablePool, type Recommendation, type RecommendedItem, type RecommendRequest, type RerankParams } from './recommender.ts';
import type { SessionNeighbourSource } from './session-neighbours.ts';
import type { Trending } from './trending.ts';
import { userQuery, type QueryParams } from './user-query.ts';
import type { CandidatePool, UserState } from './user-state.ts';
import type { Vector } from './vector.ts';

/**
 * The model's knobs (a subset of OnlineModelParams): learning reads learner, cooccurrence and
 * itemPrior; answering reads query, rerank and the learner's event weights.
 */
export interface ModelParams extends LearningParams {
  query: QueryParams;
  rerank: RerankParams;
  /** Alternative session-neighbour weights the model chooses between (blend-choice.ts); absent: rerank alone. */
  blendChoice?: BlendChoiceParams;
}

/** What one process binds the model to: its own index, rules, trending, trained items and catalog view. */
export interface ModelBinding {
  index: AnnIndex;
  /** A getter: processes swap their trending copy on refresh. Learning adds every positive event to it. */
  trending: () => Trending;
  /**
   * How the model caches item factors beside the index (learning.ts ItemFactors). Default: no
   * cache, every read a copy out of the index, right for a process whose index a tail changes
   * behind the model's back and which never learns (the API, inspect).
   */
  factorCache?: ItemFactorsPolicy;
  /** Items with a trained vector and their trained factor; default: nothing trained, so every item learned is placed from its contexts. */
  trained?: TrainedItems;
  /** The co-visitation rules (writer or replicated table); none: the search alone proposes. */
  neighbours?: NeighbourSource;
  /** Sessions sharing a user's recent items (session-neighbours.ts); none: they propose nothing. */
  sessions?: SessionNeighbourSource;
  /** Factor of an item (item-space.ts) the query reads; default: the model's factors. */
  vectorOf?: (itemId: string) => Vector | undefined;
  /**
   * The catalog's availability and categories; none = everything available. With
   * `indexHidesUnavailable` the index already hides unavailable items (setHidden), so the search
   * stays in native code.
   */
  catalog?: {
    isAvailable: (itemId: string) => boolean;
    categoryOf?: (itemId: string) => string | undefined;
    /** Promotions (recommender.ts RecommendRequest.boostOf), asked only while `anyBoost` says some item carries one. */
    boostOf?: (itemId: string) => number;
    anyBoost?: () => boolean;
    indexHidesUnavailable: boolean;
  };
  /** The model version this process serves: stored rankings of another item space (lineage) are not served. */
  modelVersion: () => string;
  /**
   * When a stored ranking stands in for a search: at most `maxAgeMs` old by `now()` (the API).
   * Absent: whenever it is of the current item space (the learner, which stored it moments ago).
   */
  storedRankings?: { maxAgeMs: number; now: () => number };
  /** Called when the model path throws, before trending answers instead. */
  onError?: (err: unknown) => void;
  /**
   * 'learned': this process sees each user's next event after their list (the learner, eval), so
   * every search also ranks the alternative blends and creditBlend learns which to serve.
   * 'default' (default): the blend chosen on the validation prefixes (params.rerank) serves.
   */
  blendChoice?: 'learned' | 'default';
  /** A predecessor's blend credits (validated with blendSnapshotFor) to carry on from when learning the blend. */
  blendRestored?: BlendSnapshot;
  /**
   * The popularity horizons cold users may be served from (cold-choice.ts), in a process that sees
   * a cold user's first event after their list (eval, the API); absent: trending serves them.
   */
  cold?: ColdChoice;
}

export interface BlendState {
  sessionWeight: number;
  /** The served blend's name (blendLabels): its session weight, and the last item's weight when it has one. */
  served: string;
  /** The alternatives' names (blendLabels); empty when the model does not learn its blend. */
  labels: readonly string[];
  credits: readonly number[];
  hitRates: readonly number[];
}

export interface RecommendOptions {
  k: number;
  exclude?: Iterable<string>;
  category?: string;
  /** Who asks, when `user` is undefined (no state yet): names a cold user's list for its credit. */
  userId?: string;
}

/**
 * The one model: the learner, the API, eval and inspect all bind it, and nothing else builds a
 * recommend request, decides cold, stored ranking or search, or learns from an event. Answering
 * — recommend: filters, cold rule, the user's stored ranking when it may stand in, else
 * co-visitation candidates and the index search scored together, trending fallback and top-up;
 * rank: the ranking a learner stores with a state; similar: the items the sources put beside one item.
 * Learning (learning.ts): events applied to user states, items placed or moved by their
 * contexts through `factors`. A process that only answers leaves the learning half unused.
 */
export interface Model extends Learning {
  /** The index's item vectors as the model reads and puts them; `forget` an item the index changed outside the model. */
  readonly factors: ItemFactors;
  recommend(user: UserState | undefined, options: RecommendOptions): Recommendation;
  /**
   * The ranking to store with `user`'s state (top `size`, only the user's own filters), and each
   * alternative blend's top (itemHash values) to credit when the user acts next; undefined for a cold user.
   */
  rank(user: UserState, size: number): { pool: CandidatePool; alternatives?: number[][] } | undefined;
  /** The user acted on `itemId` after lists `alternatives` (from recommend or rank): credits the blends that held it. */
  creditBlend(alternatives: AlternativeLists, itemId: string): void;
  /** The blend served now, and per alternative (labels) the discounted hits and hit rate behind the choice (metrics). */
  readonly blend: BlendState;
  /** The blend credits to save for a successor; undefined when the model does not learn its blend. */
  blendSnapshot(): BlendSnapshot | undefined;
  /** A cold user acted on `itemId` after lists `coldAlternatives` (from recommend): credits the horizons that held it. */
  creditCold(coldAlternatives: AlternativeLists, itemId: string): void;
  /** The horizon serving cold users and each one's hit rate; undefined without binding.cold. */
  readonly cold: ColdState | undefined;
  /** Whether recommend would serve this user's stored ranking now instead of searching. */
  servesStoredRanking(user: UserState | undefined): boolean;
  similar(itemId: string, k: number, depth?: number): RecommendedItem[];
}

const NO_FACTOR_CACHE: ItemFactorsPolicy = Object.freeze({ maxCached: 0, keepPut: false });
const NOTHING_TRAINED: TrainedItems = Object.freeze({ has: () => false, get: () => undefined });

export function createModel(params: ModelParams, binding: ModelBinding): Model {
  const { index } = binding;
  const weights = params.learner.weights;
  const factors = createItemFactors(index, binding.factorCache ?? NO_FACTOR_CACHE);
  const learning = createLearning(params, { factors, trending: binding.trending, trained: binding.trained ?? NOTHING_TRAINED });
  const vectorOf = binding.vectorOf ?? ((id: string) => factors.factorOf(id));
  const catalog = binding.catalog ?? { isAvailable: () => true, indexHidesUnavailable: true };
  let tagOf = { version: '', tag: modelTag('') };
  const currentTag = (): number => {
    const version = binding.modelVersion();
    if (version !== tagOf.version) tagOf = { version, tag: modelTag(version) };
    return tagOf.tag;
  };
  // The blends to choose between. params.rerank is the one with its session weight: served until
  // the credits say otherwise, and the only one a model that does not learn its blend serves.
  const learnsBlend = params.blendChoice !== undefined && binding.blendChoice === 'learned';
  const blends = learnsBlend ? blendAlternatives(params.blendChoice!) : [];
  const isRerank = (b: { sessionWeight: number; lastItemWeight: number }) => b.sessionWeight === (params.rerank.sessionWeight ?? 0) && b.lastItemWeight === (params.rerank.lastItemWeight ?? 0);
  const chooser = learnsBlend ? createBlendChooser(params.blendChoice!, Math.max(0, blends.findIndex(isRerank)), binding.blendRestored) : undefined;
  const alternatives: RerankParams[] = blends.map((b) => (isRerank(b) ? params.rerank : { ...params.rerank, ...b }));
  // Their names (metrics, eval's report), spelled once.
  const labels = learnsBlend ? blendLabels(params.blendChoice!) : [];
  const servedRerank = (): RerankParams => (chooser ? alternatives[chooser.chosen]! : params.rerank);
  const storedRanking = (user: UserState | undefined): CandidatePool | undefined => {
    const policy = binding.storedRankings;
    if (policy) return usablePool(user, currentTag(), policy.now(), policy.maxAgeMs);
    return user?.pool?.modelTag === currentTag() ? user.pool : undefined;
  };
  const request = (user: UserState | undefined, k: number): RecommendRequest => {
    const req: RecommendRequest = {
      user,
      k,
      index,
      trending: binding.trending(),
      isAvailable: catalog.isAvailable,
      indexHidesUnavailable: catalog.indexHidesUnavailable,
      queryOf: (u) => userQuery(u, vectorOf, weights, params.query),
      weights,
      rerank: servedRerank(),
    };
    if (chooser) req.alternatives = { rerank: alternatives, depth: params.blendChoice!.depth };
    if (catalog.categoryOf) req.categoryOf = catalog.categoryOf;
    // Unset while nothing is boosted: a stored ranking is then read only as deep as the list.
    if (catalog.boostOf && (catalog.anyBoost?.() ?? true)) req.boostOf = catalog.boostOf;
    if (binding.neighbours) req.neighbours = binding.neighbours;
    if (binding.sessions) req.sessions = binding.sessions;
    if (binding.onError) req.onError = binding.onError;
    return req;
  };
  return {
    factors,
    get onlineItems() {
      return learning.onlineItems;
    },
    newState: learning.newState,
    applyEvent: learning.applyEvent,
    learnItem: learning.learnItem,
    forgetContext: learning.forgetContext,
    forgetContexts: learning.forgetContexts,
    recommend(user, options) {
      const req = request(user, options.k);
      if (options.exclude) req.exclude = options.exclude;
      if (options.category !== undefined) req.category = options.category;
      const pool = storedRanking(user);
      if (pool) req.pool = pool;
      const cold = binding.cold && isCold(user) ? binding.cold : undefined;
      if (!cold) return recommend(req);
      // The chosen horizon serves; the process's trending fills what it cannot (an entry
      // horizon holds only items someone clicked first: few early on, or in one category).
      req.topUpTrending = req.trending;
      req.trending = cold.served();
      return { ...recommend(req), coldAlternatives: cold.lists(catalog.isAvailable) };
    },
    rank: (user, size) => candidatePool(request(user, size), currentTag(), size),
    creditBlend(lists, itemId) {
      chooser?.credit(lists, itemHash(itemId));
    },
    blendSnapshot: () => chooser?.snapshot(),
    creditCold(lists, itemId) {
      binding.cold?.credit(lists, itemId);
    },
    get cold() {
      return binding.cold?.state;
    },
    get blend() {
      const sessionWeight = servedRerank().sessionWeight ?? 0;
      if (!chooser) return { sessionWeight, served: String(sessionWeight), labels: [], credits: [], hitRates: [] };
      return { sessionWeight, served: labels[chooser.chosen]!, labels, credits: chooser.credits.slice(), hitRates: chooser.hitRates() };
    },
    servesStoredRanking: (user) => storedRanking(user) !== undefined,
    similar: (itemId, k, depth) => similarItems(request(undefined, k), itemId, k, depth),
  };
}

import type { AnnIndex } from './ann-index.ts';
import type { CooccurrenceParams } from './cooccurrence.ts';
import type { ClickEvent } from './events.ts';
import { contextVector, itemVectorFromContext, updateItemFromCooccurrence, type ContextParams, type ItemContext } from './item-embeddings.ts';
import { factorPart, indexVectorOf } from './item-space.ts';
import { applyEvent, type ApplyOptions, type LearnerParams } from './learner.ts';
import type { Trending } from './trending.ts';
import { createUserState, type HistoryEntry, type UserState } from './user-state.ts';
import type { Vector } from './vector.ts';

/**
 * The index's item vectors with their factors (item-space.ts) cached beside it: reading a
 * vector back from the index costs a copy per read, and from hnswlib a native call too.
 */
export interface ItemFactors {
  factorOf(itemId: string): Vector | undefined;
  /** Upserts an index vector into the index. */
  put(itemId: string, vector: Vector): void;
  /** put for every entry at once (a refit): the index may rebuild instead of updating each (AnnIndex.upsertMany). */
  putMany(changes: ReadonlyMap<string, Vector>): void;
  /** The index changed this item outside put (the item-embeddings tail): read it again. */
  forget(itemId: string): void;
}

export interface ItemFactorsPolicy {
  /** Factors cached at most; the oldest read is dropped past it. 0: none, every read is a copy out of the index. */
  maxCached: number;
  /**
   * After put, cache the factor of the vector put (true) or read it back from the index on
   * the next use (false). The index normalises what it stores, so the two differ in the last
   * bits; the one-process model keeps what it put, learners read back what replicas serve.
   */
  keepPut: boolean;
}

export function createItemFactors(index: AnnIndex, policy: ItemFactorsPolicy): ItemFactors {
  // null: the index has no such item (cached too, so a miss costs one read).
  const cached = new Map<string, Vector | null>();
  const cachePut = (itemId: string, vector: Vector): void => {
    if (policy.keepPut && policy.maxCached > 0) cached.set(itemId, factorPart(vector));
    else cached.delete(itemId);
  };
  return {
    factorOf(itemId) {
      const hit = cached.get(itemId);
      if (hit !== undefined) return hit ?? undefined;
      const v = index.vectorOf(itemId);
      const f = v === undefined ? null : factorPart(v);
      if (policy.maxCached <= 0) return f ?? undefined;
      if (cached.size >= policy.maxCached) cached.delete(cached.keys().next().value!);
      cached.set(itemId, f);
      return f ?? undefined;
    },
    put(itemId, vector) {
      index.upsert(itemId, vector);
      cachePut(itemId, vector);
    },
    putMany(changes) {
      index.upsertMany(changes);
      for (const [itemId, vector] of changes) cachePut(itemId, vector);
    },
    forget(itemId) {
      cached.delete(itemId);
    },
  };
}

/** What the learning half reads: the model's knobs, its item factors, trending and which items are trained. */
export interface LearningParams {
  learner: LearnerParams;
  cooccurrence: CooccurrenceParams;
  /**
   * How strongly a trained item's vector follows its new contexts (pseudo-count); 0 keeps
   * trained vectors as trained, and their contexts are not kept.
   */
  itemPrior: number;
}

export interface LearningBinding {
  factors: ItemFactors;
  trending: () => Trending;
  trained: TrainedItems;
}

/**
 * Items with a trained vector (from a refit or `streamrec train`) and their trained factor:
 * the anchor a trained item drifts from, read only when itemPrior > 0. A ReadonlyMap<string,
 * Vector> satisfies it.
 */
export interface TrainedItems {
  has(itemId: string): boolean;
  get(itemId: string): Vector | undefined;
}

/**
 * The learning half of the model (model.ts owns it; nothing outside src/core builds it): an
 * event applied to a user state, and item vectors learned from applied events. Each positive
 * event feeds trending and makes the user's history before it a context of the item; an item
 * without a trained vector is placed at the mean of its contexts at once.
 */
export interface Learning {
  newState(userId: string): UserState;
  /** One event, one update (pure): the learner's applyEvent with the item's current index vector. */
  applyEvent(state: UserState, event: ClickEvent, options: ApplyOptions): UserState;
  /**
   * Learns the event's item from the history before it; returns the index vector put, if
   * it placed or moved the item. Call it once per applied event, in the order applied.
   */
  learnItem(event: ClickEvent, historyBefore: readonly HistoryEntry[]): Vector | undefined;
  /** Drops an item's running context (it was trained or removed). */
  forgetContext(itemId: string): void;
  /** Drops every running context (a refit placed every item afresh). */
  forgetContexts(): void;
  /** Items with a running context: those learned online since they were last trained. */
  readonly onlineItems: number;
}

// Running contexts kept in memory; the least recently touched are forgotten past this.
const MAX_ITEM_CONTEXTS = 100_000;

export function createLearning(params: LearningParams, binding: LearningBinding): Learning {
  const { factors } = binding;
  const weights = params.learner.weights;
  const contextParams: ContextParams = { weights, ...params.cooccurrence };
  const contexts = new Map<string, ItemContext>();
  const factorOf = (itemId: string) => factors.factorOf(itemId);
  return {
    get onlineItems() {
      return contexts.size;
    },
    newState: (userId) => createUserState(userId, params.learner.dim),
    applyEvent(state, event, options) {
      const f = factors.factorOf(event.itemId);
      return applyEvent(state, event, f === undefined ? undefined : indexVectorOf(f), params.learner, options);
    },
    learnItem(event, historyBefore) {
      const weight = weights[event.type];
      if (!(weight > 0)) return undefined;
      binding.trending().add(event.itemId, event.ts, weight);
      const isTrained = binding.trained.has(event.itemId);
      if (isTrained && !(params.itemPrior > 0)) return undefined;
      const anchor = isTrained ? binding.trained.get(event.itemId) : undefined;
      const context = contextVector(historyBefore, factorOf, contextParams, event.itemId);
      if (!context) return undefined;
      const ctx = updateItemFromCooccurrence(contexts.get(event.itemId), context);
      contexts.delete(event.itemId);
      contexts.set(event.itemId, ctx);
      if (contexts.size > MAX_ITEM_CONTEXTS) contexts.delete(contexts.keys().next().value!);
      const placed = itemVectorFromContext(ctx, anchor, params.itemPrior);
      if (!placed) return undefined;
      const vector = indexVectorOf(placed);
      factors.put(event.itemId, vector);
      return vector;
    },
    forgetContext(itemId) {
      contexts.delete(itemId);
    },
    forgetContexts() {
      contexts.clear();
    },
  };
}

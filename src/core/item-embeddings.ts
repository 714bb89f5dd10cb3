import type { EventWeights } from './events.ts';
import { indexVectorOf } from './item-space.ts';
import type { HistoryEntry } from './user-state.ts';
import type { Vector } from './vector.ts';

/**
 * Online item embeddings from co-occurrence. Each time a user touches an item, the user's
 * recent history (before this event) is a context for that item: the recency-weighted mean
 * of the history items' vectors. An item's running context sum is its embedding direction
 * (item2vec by averaging), so a brand-new item is placed among the items it co-occurs with
 * after its first interaction, and an existing item drifts slowly towards its new contexts.
 */
export interface ItemContext {
  /** Running sum of weighted context vectors. */
  sum: Float32Array;
  /** Sum of the weights that went into `sum`. */
  weight: number;
  /** Interactions folded in. */
  count: number;
}

export interface ContextParams {
  weights: EventWeights;
  /** History entries used, newest first. */
  window: number;
  /** Weight of the j-th newest entry is recencyDecay^j (0 < recencyDecay ≤ 1). */
  recencyDecay: number;
}

export const DEFAULT_CONTEXT_PARAMS: Omit<ContextParams, 'weights'> = { window: 20, recencyDecay: 0.9 };

/**
 * The weighted mean of the factors of a user's recent positive history (the item being
 * touched excluded); undefined when no history item has a vector. `vectorOf` may return
 * index vectors: the reserved coordinate (item-space.ts) is left out of the mean.
 */
export function contextVector(
  history: readonly HistoryEntry[],
  vectorOf: (itemId: string) => Vector | undefined,
  params: ContextParams,
  excludeItemId?: string,
): Vector | undefined {
  let out: Float32Array | undefined;
  let total = 0;
  let used = 0;
  let w = 1;
  for (let j = history.length - 1; j >= 0 && used < params.window; j--) {
    const h = history[j]!;
    if (h.itemId === excludeItemId) continue;
    const typeWeight = params.weights[h.type];
    if (typeWeight <= 0) continue;
    used++;
    const v = vectorOf(h.itemId);
    if (v) {
      out ??= new Float32Array(v.length);
      if (v.length === out.length) {
        const s = w * typeWeight;
        total += s;
        for (let i = 0; i < v.length; i++) out[i] = out[i]! + s * v[i]!;
      }
    }
    w *= params.recencyDecay;
  }
  if (out && total > 0) {
    for (let i = 0; i < out.length; i++) out[i] = out[i]! / total;
    out[out.length - 1] = 0;
  }
  return out;
}

/** Folds one context into an item's running context (pure; returns the new context). */
export function updateItemFromCooccurrence(prev: ItemContext | undefined, context: Vector, weight = 1): ItemContext {
  const sum = new Float32Array(context.length);
  if (prev && prev.sum.length === context.length) sum.set(prev.sum);
  for (let i = 0; i < context.length; i++) sum[i] = sum[i]! + weight * context[i]!;
  return { sum, weight: (prev?.weight ?? 0) + weight, count: (prev?.count ?? 0) + 1 };
}

/**
 * The embedding implied by an item's contexts (their weighted mean), blended with its trained
 * vector when it has one: trained · (1 − m) + contextMean · m with m = n / (n + prior), so a
 * few new interactions nudge a well-trained item and define a new one. The mean of several
 * contexts is shorter than any one of them, which keeps a new item modest in inner-product
 * ranking until its contexts agree. Returns the index vector (item-space.ts), ready to upsert
 * and publish; `trained` may be a factor or an index vector.
 */
export function itemVectorFromContext(ctx: ItemContext, trained: Vector | undefined, prior = 50): Vector | undefined {
  if (!(ctx.weight > 0)) return trained && indexVectorOf(trained);
  const mean = ctx.sum.map((x) => x / ctx.weight);
  if (!trained || trained.length !== mean.length) return indexVectorOf(mean);
  const m = ctx.count / (ctx.count + prior);
  const out = new Float32Array(mean.length);
  // Only the factor parts blend; indexVectorOf recomputes the reserved coordinate.
  for (let i = 0; i < mean.length - 1; i++) out[i] = (1 - m) * trained[i]! + m * mean[i]!;
  return indexVectorOf(out);
}

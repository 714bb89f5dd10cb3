import type { EventWeights } from './events.ts';
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
 * The weighted mean direction of a user's recent positive history (the item being touched
 * excluded); undefined when no history item has a vector.
 */
export function contextVector(
  history: readonly HistoryEntry[],
  vectorOf: (itemId: string) => Vector | undefined,
  params: ContextParams,
  excludeItemId?: string,
): Vector | undefined {
  let out: Float32Array | undefined;
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
        for (let i = 0; i < v.length; i++) out[i] = out[i]! + s * v[i]!;
      }
    }
    w *= params.recencyDecay;
  }
  return out;
}

/** Folds one context into an item's running context (pure; returns the new context). */
export function updateItemFromCooccurrence(prev: ItemContext | undefined, context: Vector, weight = 1): ItemContext {
  const sum = new Float32Array(context.length);
  if (prev && prev.sum.length === context.length) sum.set(prev.sum);
  const unit = unitScale(context);
  for (let i = 0; i < context.length; i++) sum[i] = sum[i]! + weight * unit * context[i]!;
  return { sum, weight: (prev?.weight ?? 0) + weight, count: (prev?.count ?? 0) + 1 };
}

/**
 * The embedding implied by an item's contexts, blended with its trained vector when it has
 * one: trained · (1 - m) + contextDirection · m with m = n / (n + prior), so a few new
 * interactions nudge a well-trained item and define a new one.
 */
export function itemVectorFromContext(ctx: ItemContext, trained: Vector | undefined, prior = 50): Vector | undefined {
  const dir = ctx.sum;
  const scale = unitScale(dir);
  if (scale === 0) return trained;
  if (!trained || trained.length !== dir.length) return dir.map((x) => x * scale);
  const m = ctx.count / (ctx.count + prior);
  const tScale = unitScale(trained);
  const out = new Float32Array(dir.length);
  for (let i = 0; i < dir.length; i++) out[i] = (1 - m) * trained[i]! * tScale + m * dir[i]! * scale;
  return out;
}

function unitScale(v: Vector): number {
  let sq = 0;
  for (let i = 0; i < v.length; i++) sq += v[i]! * v[i]!;
  return sq > 0 ? 1 / Math.sqrt(sq) : 0;
}

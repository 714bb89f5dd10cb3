import { createCooccurrence } from './cooccurrence.ts';
import { indexVectorOf } from './item-space.ts';
import { refitItemVectors, type RefitParams } from './refit.ts';
import type { ModelMeta } from './stores.ts';
import type { Vector } from './vector.ts';

export interface Interaction {
  userId: string;
  itemId: string;
  /** Event-type weight; ≤ 0 (negative feedback) does not count as co-occurrence. */
  weight: number;
  ts: number;
}

export interface TrainParams {
  dim: number;
  /** Previous positive items of the same user an interaction co-occurs with. */
  window: number;
  recencyDecay: number;
  refit: RefitParams;
  /** Stamped into the version and metadata; the trainer never reads the clock. */
  createdAtMs: number;
  trainedOn?: Record<string, string | number>;
}

export interface TrainedModel {
  meta: ModelMeta;
  /** Index vectors (unit length, item-space.ts layout): what goes into the index and the item-embeddings topic. */
  vectors: Map<string, Vector>;
}

export type TrainPhase = 'cooccurrence' | 'factorise';

/**
 * Offline training of item embeddings: per user, in time order, each positive interaction
 * co-occurs with the user's previous `window` positive items (the same counting the online
 * model does), then the normalised co-occurrence is factorised (refit.ts). Deterministic for
 * a seed: users and items are visited in sorted order.
 */
export function trainItemEmbeddings(
  interactions: readonly Interaction[],
  params: TrainParams,
  onProgress?: (phase: TrainPhase, done: number, total: number) => void,
): TrainedModel {
  const byUser = new Map<string, Interaction[]>();
  for (const it of interactions) {
    if (!(it.weight > 0)) continue;
    let list = byUser.get(it.userId);
    if (!list) byUser.set(it.userId, (list = []));
    list.push(it);
  }
  const cooc = createCooccurrence({ window: params.window, recencyDecay: params.recencyDecay });
  const users = Array.from(byUser.keys()).sort();
  let done = 0;
  for (const userId of users) {
    const list = byUser.get(userId)!;
    list.sort((a, b) => a.ts - b.ts);
    const context: string[] = [];
    for (const it of list) {
      cooc.observe(it.itemId, context, 1);
      context.push(it.itemId);
      if (context.length > params.window * 2) context.splice(0, context.length - params.window);
    }
    done += list.length;
    if (onProgress && (done & 0x3fff) < list.length) onProgress('cooccurrence', done, interactions.length);
  }
  onProgress?.('cooccurrence', interactions.length, interactions.length);
  const result = refitItemVectors(cooc, new Map(), params.dim, params.refit, (d, t) => onProgress?.('factorise', d, t));
  const vectors = new Map<string, Vector>();
  for (const [itemId, factor] of result.vectors) vectors.set(itemId, indexVectorOf(factor));
  const meta: ModelMeta = {
    version: `v${params.createdAtMs}`,
    dim: params.dim,
    itemCount: vectors.size,
    createdAtMs: params.createdAtMs,
    trainedOn: {
      algorithm: `eigendecomposition of ${params.refit.similarity.normalisation} co-occurrence (window ${params.window})`,
      interactions: interactions.length,
      users: users.length,
      factorisedItems: result.vocabSize,
      foldedInItems: result.foldedIn,
      ...params.trainedOn,
    },
  };
  return { meta, vectors };
}

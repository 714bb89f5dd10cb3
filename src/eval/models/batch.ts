import type { AnnIndex } from '../../core/ann-index.ts';
import type { ClickEvent } from '../../core/events.ts';
import { maxRefitGap } from '../../core/item-refitter.ts';
import { factorPart } from '../../core/item-space.ts';
import { applyEvent } from '../../core/learner.ts';
import type { OnlineModelParams } from '../../core/online-model-params.ts';
import { createModel, type Model } from '../../core/model.ts';
import { trainItemEmbeddings, type Interaction } from '../../core/trainer.ts';
import { createTrending } from '../../core/trending.ts';
import { createUserState, type UserState } from '../../core/user-state.ts';
import type { Vector } from '../../core/vector.ts';
import type { EvalModel } from '../eval-model.ts';

/**
 * The batch baseline: item embeddings from the production trainer (trainItemEmbeddings),
 * retrained from scratch every `refitEveryEvents` events ('auto': settings.ts) on the events seen so far, and
 * frozen in between: no online item learning, so items that appear after a training run
 * have no vector until the next one. Users are updated per event exactly as in
 * production (applyEvent, userQuery, recommend, trending fallback), with the same knobs
 * as the online model, so the difference between the two is what online learning adds.
 */
export function createBatchEvalModel(
  params: OnlineModelParams,
  refitEveryEvents: number | 'auto',
  createIndex: () => AnnIndex,
): EvalModel {
  // 'auto': the online refitter's cap on its gap.
  const items = new Set<string>();
  const gap = (): number => (refitEveryEvents === 'auto' ? maxRefitGap(params.refit, items.size) : refitEveryEvents);
  let nextRetrainAt = gap();
  const users = new Map<string, UserState>();
  const trending = createTrending(params.trendingHalfLifeMs);
  const past: Interaction[] = [];
  let index = createIndex();
  let factors = new Map<string, Vector>();
  let refits = 0;
  let trainMs = 0;
  const { weights } = params.learner;
  const vectorOf = (id: string) => factors.get(id);

  // No co-visitation rules and no online learning (its learning half stays unused): the batch
  // model is the trainer's embeddings alone, queried as trained and frozen between runs; each
  // run brings a new index, so the model is bound again.
  const bind = (): Model => createModel(params, { index, trending: () => trending, vectorOf, modelVersion: () => `batch-${refits}` });
  let model = bind();

  function retrain(nowTs: number): void {
    const started = performance.now();
    const trained = trainItemEmbeddings(past, {
      dim: params.learner.dim,
      window: params.cooccurrence.window,
      recencyDecay: params.cooccurrence.recencyDecay,
      refit: params.refit,
      createdAtMs: nowTs,
    });
    const next = createIndex();
    const nextFactors = new Map<string, Vector>();
    for (const [itemId, vector] of trained.vectors) {
      next.upsert(itemId, vector);
      nextFactors.set(itemId, factorPart(vector));
    }
    index = next;
    factors = nextFactors;
    refits++;
    model = bind();
    trainMs += performance.now() - started;
  }

  return {
    name: 'batch',
    recommend(userId, k, exclude) {
      return model.recommend(users.get(userId), { k, exclude }).items.map((i) => i.itemId);
    },
    learn(event: ClickEvent) {
      const weight = weights[event.type];
      past.push({ userId: event.userId, itemId: event.itemId, weight, ts: event.ts });
      if (refitEveryEvents === 'auto') items.add(event.itemId);
      if (weight > 0) trending.add(event.itemId, event.ts, weight);
      const prev = users.get(event.userId) ?? createUserState(event.userId, params.learner.dim);
      users.set(event.userId, applyEvent(prev, event, index.vectorOf(event.itemId), params.learner));
      if (past.length >= nextRetrainAt) {
        retrain(event.ts);
        nextRetrainAt = past.length + gap();
      }
    },
    describe: () => ({ refitEveryEvents, refits, trainSeconds: Math.round(trainMs / 100) / 10 }),
  };
}

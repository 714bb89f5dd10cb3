import type { AnnIndex } from '../../core/ann-index.ts';
import { createOnlineModel, type ServingPools } from '../../core/online-model.ts';
import type { OnlineModelParams } from '../../core/online-model-params.ts';
import type { EvalModel } from '../eval-model.ts';

/**
 * The production online model (src/core/online-model.ts: learner, online item embeddings,
 * periodic refit, trending, recommender) behind the replay interface; nothing re-implemented.
 */
export function createOnlineEvalModel(params: OnlineModelParams, index: AnnIndex | undefined, indexKind: string, pools?: ServingPools): EvalModel {
  const model = createOnlineModel(params, index, pools);
  let answered = 0;
  let fromPools = 0;
  return {
    name: pools ? 'online-pooled' : 'online',
    recommend(userId, k, exclude) {
      const r = model.recommend(userId, k, exclude);
      answered++;
      if (r.candidates === 'pool') fromPools++;
      return r.items.map((i) => i.itemId);
    },
    learn(event) {
      model.learn(event);
    },
    describe: () => ({ index: indexKind, refits: model.refits, items: model.index.size, ...(pools ? { answeredFromStoredRankings: Math.round((1000 * fromPools) / Math.max(1, answered)) / 1000 } : {}) }),
  };
}

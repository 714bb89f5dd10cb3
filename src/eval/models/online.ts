import type { AnnIndex } from '../../core/ann-index.ts';
import { createOnlineModel, type ServingPools } from '../../core/online-model.ts';
import type { OnlineModelParams } from '../../core/online-model-params.ts';
import type { EvalModel } from '../eval-model.ts';

/**
 * The production online model (src/core/online-model.ts: learner, online item embeddings,
 * periodic refit, trending, recommender) behind the replay interface; nothing re-implemented.
 */
export function createOnlineEvalModel(
  params: OnlineModelParams,
  index: AnnIndex | undefined,
  indexKind: string,
  options: {
    /** Served as the API serves: stored rankings while they may stand in (online-pooled). */
    pools?: ServingPools;
    /** Candidates per source of its item-page lists: the API's (similarDepthFor MAX_K). */
    besideDepth?: number;
  } = {},
): EvalModel {
  const { pools, besideDepth } = options;
  const model = createOnlineModel(params, index, pools);
  let answered = 0;
  let fromPools = 0;
  // Lists ranked by each blend (the one served when the list was searched for): which blend this stream chose.
  const servedBy = new Map<string, number>();
  let searched = 0;
  return {
    name: pools ? 'online-pooled' : 'online',
    recommend(userId, k, exclude) {
      const r = model.recommend(userId, k, exclude);
      answered++;
      if (r.candidates === 'pool') fromPools++;
      if (r.candidates === 'search') {
        const served = model.blend.served;
        servedBy.set(served, (servedBy.get(served) ?? 0) + 1);
        searched++;
      }
      return r.items.map((i) => i.itemId);
    },
    learn(event) {
      model.learn(event);
    },
    beside: (itemId, k) => model.similar(itemId, k, besideDepth).map((i) => i.itemId),
    describe: () => {
      const { served, labels } = model.blend;
      const shares = labels.map((label) => `${label} ${Math.round((1000 * (servedBy.get(label) ?? 0)) / Math.max(1, searched)) / 10}%`).join(', ');
      return {
        index: indexKind,
        refits: model.refits,
        refitsHeldBack: model.refitsHeldBack,
        items: model.index.size,
        ...(labels.length > 0 ? { blendAtEnd: served, blendShares: shares } : {}),
        ...(pools ? { answeredFromStoredRankings: Math.round((1000 * fromPools) / Math.max(1, answered)) / 1000 } : {}),
      };
    },
  };
}

import { DEFAULT_BLEND_CHOICE, type BlendChoiceParams } from './blend-choice.ts';
import { DEFAULT_COLD_CHOICE, type ColdChoiceParams } from './cold-choice.ts';
import type { CooccurrenceParams } from './cooccurrence.ts';
import { DEFAULT_CO_VISITATION_PARAMS, DEFAULT_CO_VISITATION_SCORING, type CoVisitationParams } from './co-visitation.ts';
import { learnerParamsFrom, type LearnerParams } from './learner.ts';
import type { RerankParams } from './recommender.ts';
import type { RefitParams } from './refit.ts';
import { DEFAULT_REFIT_GATE, type RefitGateParams } from './refit-gate.ts';
import { DEFAULT_SESSION_NEIGHBOUR_PARAMS, type SessionNeighbourParams } from './session-neighbours.ts';
import { DEFAULT_QUERY_PARAMS, type QueryParams } from './user-query.ts';

// The online model's knobs, apart from online-model.ts: that module imports the refitter (and
// with it ml-matrix), which serving processes and `streamrec inspect` do not need.

/** The configurable part of the model (config.model satisfies it); the rest are fixed defaults. */
export interface ModelSettings extends Readonly<LearnerParams> {
  readonly trendingHalfLifeMs: number;
  /** The release check's largest accepted drop in hit rate, in percent (REFIT_MAX_DROP_PCT); 50 when absent. */
  readonly refitMaxDropPct?: number;
}

export interface OnlineModelParams {
  learner: LearnerParams;
  trendingHalfLifeMs: number;
  cooccurrence: CooccurrenceParams;
  /** Order-aware short-window rules: the co-visitation candidate source. */
  coVisitation: CoVisitationParams;
  /** The session-neighbourhood candidate source (V-SKNN learned online). */
  sessions: SessionNeighbourParams;
  refit: RefitParams;
  /** The release check every refit passes before it is served (refit-gate.ts). */
  refitGate: RefitGateParams;
  query: QueryParams;
  rerank: RerankParams;
  /** The session-neighbour weights the model chooses between from the stream's feedback (rerank's among them). */
  blendChoice: BlendChoiceParams;
  /** The popularity horizons cold users are served from, chosen from the stream's feedback (the trending half-life among them). */
  coldChoice?: ColdChoiceParams;
  /**
   * How strongly a trained item's vector follows its new contexts between refits (pseudo-count);
   * 0 keeps trained vectors fixed until the next refit, as production learners do.
   */
  itemPrior: number;
}

/**
 * Defaults chosen by prequential replay of MovieLens 100K (see README): the knobs that are
 * not configuration come from here, the rest from config.model.
 */
export function onlineModelParamsFrom(model: ModelSettings): OnlineModelParams {
  return {
    learner: learnerParamsFrom(model),
    trendingHalfLifeMs: model.trendingHalfLifeMs,
    cooccurrence: { window: 20, recencyDecay: 0.9 },
    coVisitation: DEFAULT_CO_VISITATION_PARAMS,
    sessions: DEFAULT_SESSION_NEIGHBOUR_PARAMS,
    refit: {
      similarity: { normalisation: 'cosine', smoothing: 0.75, shift: 1 },
      minCount: 3,
      vocabCap: 20_000,
      iterations: 6,
      warmIterations: 3,
      eigPower: 0.5,
      seed: 1,
      firstAfterEvents: 1000,
      growth: 2,
      maxEveryEvents: 10_000,
      maxEveryEventsPerItem: 1,
    },
    refitGate: { ...DEFAULT_REFIT_GATE, maxDrop: (model.refitMaxDropPct ?? 100 * DEFAULT_REFIT_GATE.maxDrop) / 100 },
    query: DEFAULT_QUERY_PARAMS,
    // ML-100K replays: trending re-rank 0.1 lifts HR@10 by ~0.003-0.005; drift of trained items
    // between refits (itemPrior 50) cost ~0.002 and is not what production does, hence 0.
    rerank: { candidates: 50, trendingWeight: 0.1, coVisitationWeight: 10, embeddingWeight: 1, sessionWeight: 30, coVisitation: DEFAULT_CO_VISITATION_SCORING },
    blendChoice: DEFAULT_BLEND_CHOICE,
    coldChoice: DEFAULT_COLD_CHOICE,
    itemPrior: 0,
  };
}

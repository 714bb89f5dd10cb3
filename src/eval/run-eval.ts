import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { AnnIndex } from '../core/ann-index.ts';
import type { ClickEvent } from '../core/events.ts';
import { createExactIndex } from '../core/exact-index.ts';
import { createHnswIndex } from '../core/hnsw-index.ts';
import { onlineModelParamsFrom } from '../core/online-model.ts';
import { StreamrecError } from '../errors.ts';
import { createItemKnnModel } from './baselines/item-knn.ts';
import { createSequentialRulesModel } from './baselines/sr.ts';
import { createVsknnModel, type VsknnOptions } from './baselines/vsknn.ts';
import { renderHitRateSvg, type ChartMarker } from './chart.ts';
import type { EvalModel } from './eval-model.ts';
import { createBatchEvalModel } from './models/batch.ts';
import { createOnlineEvalModel } from './models/online.ts';
import { createPopularityModel } from './models/popularity.ts';
import { runPrequential, type PrequentialResult } from './prequential.ts';
import { formatResultTable } from './report.ts';

/**
 * `online-pooled` is the online model served as the API serves it (the ranking stored at each
 * user's previous event, while it is at most RECOMMEND_POOL_MAX_AGE_MS old in event time and
 * of the current item space: refits aligned onto the last keep it); not in the default set, since it replays the whole model once more.
 */
export const EVAL_MODEL_NAMES = ['online', 'popularity', 'itemknn', 'vsknn', 'sr', 'batch', 'online-pooled'] as const;
export type EvalModelName = (typeof EVAL_MODEL_NAMES)[number];

export const EVAL_INDEX_KINDS = ['exact', 'hnsw'] as const;
export type EvalIndexKind = (typeof EVAL_INDEX_KINDS)[number];

function indexFactory(config: Config, settings: EvalSettings): () => AnnIndex {
  const dim = config.model.dim;
  return settings.index === 'hnsw' ? () => createHnswIndex({ dim, seed: 1 }) : () => createExactIndex(dim);
}

export interface EvalSettings {
  k: number;
  models: readonly EvalModelName[];
  /** Test cases per point of the chart; default: about 50 points over the replay. */
  windowCases?: number;
  /** Fraction of the replay learned but not scored (the validation prefix); 0 scores everything. */
  skipPrefix?: number;
  /** Which ANN index the embedding models search: the exact twin or HNSW (as served). */
  index: EvalIndexKind;
  /** Events between refits of the batch model. */
  refitEveryEvents: number;
  popularityHalfLifeMs: number;
  knnWindowItems: number;
  knnHistoryItems: number;
  vsknn: Omit<VsknnOptions, 'weights'>;
  srSteps: number;
}

export const DEFAULT_EVAL_SETTINGS: Omit<EvalSettings, 'k'> = {
  models: ['online', 'popularity', 'itemknn', 'vsknn', 'sr', 'batch'],
  index: 'exact',
  refitEveryEvents: 10_000,
  // Longer than the serving fallback's TRENDING_HALF_LIFE_MS: for next-item prediction over
  // months the longer memory is the stronger (fairer) baseline (ML-100K: 1 d 0.061, 30 d 0.076).
  popularityHalfLifeMs: 30 * 86_400_000,
  // Chosen on ML-100K from a small grid (window 5-100 × history 3-50), so the bar is the
  // best item-kNN we found, not a weak one.
  knnWindowItems: 20,
  knnHistoryItems: 10,
  // session-rec's defaults (Ludewig & Jannach 2018); sessionsPerItem bounds memory and time.
  vsknn: { neighbours: 100, sampleSize: 500, weighting: 'div', sessionsPerItem: 1000 },
  srSteps: 10,
};

export function parseModelList(text: string): EvalModelName[] {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(EVAL_MODEL_NAMES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new StreamrecError('BAD_ARGUMENT', `unknown model${unknown.length === 1 ? '' : 's'} "${unknown.join(',') || text}"`, {
      hint: `use --models with a comma-separated list of ${EVAL_MODEL_NAMES.join(', ')}`,
    });
  }
  return [...new Set(names)] as EvalModelName[];
}

export function parseIndexKind(text: string): EvalIndexKind {
  if ((EVAL_INDEX_KINDS as readonly string[]).includes(text)) return text as EvalIndexKind;
  throw new StreamrecError('BAD_ARGUMENT', `unknown index "${text}"`, { hint: `use --index ${EVAL_INDEX_KINDS.join(' or ')}` });
}

export function createModel(name: EvalModelName, config: Config, settings: EvalSettings): EvalModel {
  const weights = config.model.weights;
  switch (name) {
    case 'popularity':
      return createPopularityModel({ weights, halfLifeMs: settings.popularityHalfLifeMs });
    case 'itemknn':
      return createItemKnnModel({ weights, windowItems: settings.knnWindowItems, historyItems: settings.knnHistoryItems });
    case 'vsknn':
      return createVsknnModel({ weights, ...settings.vsknn });
    case 'sr':
      return createSequentialRulesModel({ weights, steps: settings.srSteps });
    case 'online':
      return createOnlineEvalModel(onlineModelParamsFrom(config.model), indexFactory(config, settings)(), settings.index);
    case 'online-pooled':
      // The learner stores 2 x DEFAULT_K (pipeline/core-binding.ts); a list longer than that searches.
      return createOnlineEvalModel(onlineModelParamsFrom(config.model), indexFactory(config, settings)(), settings.index, {
        size: 2 * config.model.k,
        maxAgeMs: config.http.poolMaxAgeMs,
      });
    case 'batch':
      return createBatchEvalModel(onlineModelParamsFrom(config.model), settings.refitEveryEvents, indexFactory(config, settings));
  }
}

export function evaluate(
  events: readonly ClickEvent[],
  config: Config,
  settings: EvalSettings,
  onProgress?: (done: number, total: number) => void,
): PrequentialResult {
  const models = settings.models.map((name) => createModel(name, config, settings));
  const windowCases = settings.windowCases ?? Math.max(20, Math.floor(events.length / 50));
  const scoreFromEvent = Math.floor((settings.skipPrefix ?? 0) * events.length);
  return runPrequential(events, models, { k: settings.k, weights: config.model.weights, windowCases, onProgress, scoreFromEvent });
}

export interface WrittenReport {
  table: string;
  jsonPath: string;
  svgPath: string;
}

/** Writes results.json and hit-rate.svg into `outDir`; returns the table and the paths. */
export function writeReport(
  result: PrequentialResult,
  outDir: string,
  meta: Record<string, unknown>,
  options: { title?: string; markers?: ChartMarker[] } = {},
): WrittenReport {
  mkdirSync(outDir, { recursive: true });
  const jsonPath = join(outDir, 'results.json');
  const svgPath = join(outDir, 'hit-rate.svg');
  writeFileSync(jsonPath, `${JSON.stringify({ ...meta, ...result }, null, 2)}\n`);
  writeFileSync(svgPath, renderHitRateSvg(result, options));
  return { table: formatResultTable(result), jsonPath, svgPath };
}

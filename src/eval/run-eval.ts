import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { AnnIndex } from '../core/ann-index.ts';
import type { ClickEvent } from '../core/events.ts';
import { createExactIndex } from '../core/exact-index.ts';
import { createHnswIndex } from '../core/hnsw-index.ts';
import { onlineModelParamsFrom } from '../core/online-model-params.ts';
import { similarDepthFor } from '../core/recommender.ts';
import { createItemKnnModel } from './baselines/item-knn.ts';
import { createSequentialRulesModel } from './baselines/sr.ts';
import { createVsknnModel } from './baselines/vsknn.ts';
import { renderHitRateSvg, type ChartMarker } from './chart.ts';
import type { EvalModel } from './eval-model.ts';
import { createBatchEvalModel } from './models/batch.ts';
import { createOnlineEvalModel } from './models/online.ts';
import { createPopularityModel } from './models/popularity.ts';
import { runPrequential, type PrequentialResult } from './prequential.ts';
import { formatResultTable } from './report.ts';
import { replaySettings, type EvalModelName, type EvalSettings, type ReplaySettings } from './settings.ts';

function indexFactory(config: Config, settings: ReplaySettings): () => AnnIndex {
  const dim = config.model.dim;
  return settings.index === 'hnsw' ? () => createHnswIndex({ dim, seed: 1 }) : () => createExactIndex(dim);
}

export function createModel(name: EvalModelName, config: Config, settings: ReplaySettings): EvalModel {
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
      return createOnlineEvalModel(onlineModelParamsFrom(config.model), indexFactory(config, settings)(), settings.index, { besideDepth: similarDepthFor(config.model.maxK) });
    case 'online-pooled':
      // The learner stores 2 x DEFAULT_K (pipeline/core-binding.ts); a list longer than that searches.
      return createOnlineEvalModel(onlineModelParamsFrom(config.model), indexFactory(config, settings)(), settings.index, {
        pools: { size: 2 * config.model.k, maxAgeMs: config.http.poolMaxAgeMs },
        besideDepth: similarDepthFor(config.model.maxK),
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
  const replay = replaySettings(settings, events);
  const models = settings.models.map((name) => createModel(name, config, replay));
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

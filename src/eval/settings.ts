import type { VsknnOptions } from './baselines/vsknn.ts';
import { StreamrecError } from '../errors.ts';

// The eval command's choices and defaults, apart from the models themselves, so the CLI can
// declare its options without loading them.

/**
 * `online-pooled` is the online model served as the API serves it (the ranking stored at each
 * user's previous event, while it is at most RECOMMEND_POOL_MAX_AGE_MS old in event time and
 * of the current item space: refits aligned onto the last keep it); not in the default set, since it replays the whole model once more.
 */
export const EVAL_MODEL_NAMES = ['online', 'popularity', 'itemknn', 'vsknn', 'sr', 'batch', 'online-pooled'] as const;
export type EvalModelName = (typeof EVAL_MODEL_NAMES)[number];

export const EVAL_INDEX_KINDS = ['auto', 'exact', 'hnsw'] as const;
export type EvalIndexKind = (typeof EVAL_INDEX_KINDS)[number];
/** The index a replay runs with, once 'auto' is decided (resolveIndexKind). */
export type ReplayIndexKind = Exclude<EvalIndexKind, 'auto'>;

/**
 * Distinct items up to which 'auto' replays with the exact index. The exact scan costs
 * items × dim per test case (~10 ns an item at 65 dimensions in float32 WebAssembly, 20,000
 * items), HNSW, the index production serves from, a near-constant search plus a graph rebuild
 * after every refit (~76 µs an item); on a 43,000-item synthetic stream the exact replay was the
 * faster one while the catalogue was under ~30,000 items and slower over the whole file
 * (native-bench README). HNSW's results stay within ±0.0005 HR@10 of the exact ones on the
 * development files.
 */
export const AUTO_EXACT_MAX_ITEMS = 20_000;

/** 'auto' → exact up to AUTO_EXACT_MAX_ITEMS distinct items in the replay, HNSW past it. */
export function resolveIndexKind(kind: EvalIndexKind, events: readonly { itemId: string }[]): ReplayIndexKind {
  if (kind !== 'auto') return kind;
  const items = new Set<string>();
  for (const e of events) {
    items.add(e.itemId);
    if (items.size > AUTO_EXACT_MAX_ITEMS) return 'hnsw';
  }
  return 'exact';
}

export interface EvalSettings {
  k: number;
  models: readonly EvalModelName[];
  /** Test cases per point of the chart; default: about 50 points over the replay. */
  windowCases?: number;
  /** Fraction of the replay learned but not scored (the validation prefix); 0 scores everything. */
  skipPrefix?: number;
  /** Which ANN index the embedding models search: the exact twin, HNSW (as served), or auto (by catalogue size). */
  index: EvalIndexKind;
  /**
   * Events between retrainings of the batch model; 'auto': the online model's refit cap,
   * 10,000 or as many events as items seen when the catalogue is larger (a retraining builds
   * a new index of every item, so a fixed 10,000 makes a large catalogue pay a full index build every 10,000 events: 263 vs 56 s on a 57,000-item stream).
   */
  refitEveryEvents: number | 'auto';
  popularityHalfLifeMs: number;
  knnWindowItems: number;
  knnHistoryItems: number;
  vsknn: Omit<VsknnOptions, 'weights'>;
  srSteps: number;
}

export const DEFAULT_EVAL_SETTINGS: Omit<EvalSettings, 'k'> = {
  models: ['online', 'popularity', 'itemknn', 'vsknn', 'sr', 'batch'],
  index: 'auto',
  refitEveryEvents: 'auto',
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
  throw new StreamrecError('BAD_ARGUMENT', `unknown index "${text}"`, { hint: `use --index ${EVAL_INDEX_KINDS.join(', ')}` });
}

/** Settings with the index decided for the replay's events. */
export type ReplaySettings = Omit<EvalSettings, 'index'> & { index: ReplayIndexKind };

export function replaySettings(settings: EvalSettings, events: readonly { itemId: string }[]): ReplaySettings {
  return { ...settings, index: resolveIndexKind(settings.index, events) };
}

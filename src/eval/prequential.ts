import type { ClickEvent, EventWeights } from '../core/events.ts';
import { createMetricsAccumulator, type MetricsSummary } from '../core/metrics.ts';
import type { EvalModel } from './eval-model.ts';

export interface PrequentialOptions {
  k: number;
  weights: EventWeights;
  /** Test cases per point of the windowed hit-rate curve. */
  windowCases: number;
  onProgress?: (eventsDone: number, eventsTotal: number) => void;
  /**
   * Events before this index are learned but not scored: the validation prefix parameters were
   * tuned on stays out of the reported numbers. 0 (default) scores everything.
   */
  scoreFromEvent?: number;
}

export interface ModelResult extends MetricsSummary {
  name: string;
  /** Events replayed per second of this model's own time (recommend + learn). */
  eventsPerSecond: number;
  recommendMs: number;
  learnMs: number;
  /** HR@k of each consecutive window of `windowCases` test cases. */
  windowHitRate: number[];
  /** HR@k of its lists at the item-page cases (PrequentialResult.itemPageCases). */
  itemPageHitRate: number;
  /** HR@k at those cases of what it shows beside the user's one item (EvalModel.beside); absent without. */
  besideHitRate?: number;
  details: Record<string, string | number>;
}

export interface PrequentialResult {
  k: number;
  events: number;
  users: number;
  items: number;
  /** Test cases whose target item had never appeared before: no model can hit them. */
  coldItemCases: number;
  /** Test cases of users with no earlier positive event. */
  coldUserCases: number;
  /**
   * Test cases of users with exactly one earlier positive item (their second): where a shopper
   * stands on that item's page, so a model's `beside` list for it is judged on them too.
   */
  itemPageCases: number;
  windowCases: number;
  /** Event index (0-based) and time of the last test case of each window, for the chart's axis. */
  windowEnds: Array<{ eventIndex: number; ts: number }>;
  models: ModelResult[];
  wallMs: number;
}

/**
 * Prequential (test-then-learn) replay in time order. The protocol:
 * - a test case is an event with positive weight (view, click, add_to_cart, purchase
 *   with the default weights) whose item the user has not interacted with before;
 *   repeats and negative events (remove_from_cart, dislike) are learned from, not tested;
 * - every model is asked for its top max(k, 20) before it learns the event, with everything
 *   the user has interacted with so far excluded; metrics at k and at 20 come from that list;
 * - then every model learns the event, whether it was a test case or not.
 * Cold users and brand-new target items stay in as test cases (counted separately),
 * so the numbers are what a live system would see.
 */
export function runPrequential(events: readonly ClickEvent[], models: readonly EvalModel[], options: PrequentialOptions): PrequentialResult {
  const { k, weights, windowCases } = options;
  const started = performance.now();
  const metrics = models.map(() => createMetricsAccumulator(k));
  const recommendMs = models.map(() => 0);
  const learnMs = models.map(() => 0);
  const windowHits = models.map(() => [] as number[]);
  const currentHits = models.map(() => 0);
  const windowEnds: PrequentialResult['windowEnds'] = [];
  const seen = new Map<string, Set<string>>();
  const items = new Set<string>();
  let cases = 0;
  let coldItemCases = 0;
  let coldUserCases = 0;
  let itemPageCases = 0;
  const itemPageHits = models.map(() => 0);
  const besideHits = models.map(() => 0);
  // Users with exactly one distinct positive item so far, and that item; then those with more.
  const onlyItem = new Map<string, string>();
  const pastOne = new Set<string>();
  const progressEvery = Math.max(1, Math.floor(events.length / 200));
  const scoreFrom = options.scoreFromEvent ?? 0;

  for (let e = 0; e < events.length; e++) {
    const event = events[e]!;
    let userSeen = seen.get(event.userId);
    const isTest = e >= scoreFrom && weights[event.type] > 0 && !(userSeen?.has(event.itemId) ?? false);
    if (isTest) {
      cases++;
      if (!items.has(event.itemId)) coldItemCases++;
      if (userSeen === undefined) coldUserCases++;
      const exclude = userSeen ?? new Set<string>();
      const page = onlyItem.get(event.userId);
      if (page !== undefined) itemPageCases++;
      for (let m = 0; m < models.length; m++) {
        const model = models[m]!;
        const t0 = performance.now();
        const list = model.recommend(event.userId, metrics[m]!.listLength, exclude, event.ts);
        recommendMs[m]! += performance.now() - t0;
        // Outside the model's timed work: events/s stays what the replay of its lists costs.
        const beside = page !== undefined && model.beside ? model.beside(page, k) : undefined;
        const hit = metrics[m]!.add(list, event.itemId) > 0;
        if (hit) currentHits[m]!++;
        if (page !== undefined && hit) itemPageHits[m]!++;
        if (beside?.includes(event.itemId)) besideHits[m]!++;
      }
      if (cases % windowCases === 0) {
        for (let m = 0; m < models.length; m++) {
          windowHits[m]!.push(currentHits[m]! / windowCases);
          currentHits[m] = 0;
        }
        windowEnds.push({ eventIndex: e, ts: event.ts });
      }
    }
    for (let m = 0; m < models.length; m++) {
      const t0 = performance.now();
      models[m]!.learn(event);
      learnMs[m]! += performance.now() - t0;
    }
    items.add(event.itemId);
    if (weights[event.type] > 0 && !pastOne.has(event.userId)) {
      const only = onlyItem.get(event.userId);
      if (only === undefined) onlyItem.set(event.userId, event.itemId);
      else if (only !== event.itemId) {
        onlyItem.delete(event.userId);
        pastOne.add(event.userId);
      }
    }
    if (userSeen === undefined) {
      userSeen = new Set();
      seen.set(event.userId, userSeen);
    }
    userSeen.add(event.itemId);
    if (options.onProgress && (e + 1) % progressEvery === 0) options.onProgress(e + 1, events.length);
  }
  options.onProgress?.(events.length, events.length);

  return {
    k,
    events: events.length,
    users: seen.size,
    items: items.size,
    coldItemCases,
    coldUserCases,
    itemPageCases,
    windowCases,
    windowEnds,
    models: models.map((model, m) => {
      const ms = recommendMs[m]! + learnMs[m]!;
      return {
        name: model.name,
        ...metrics[m]!.summary(items.size),
        eventsPerSecond: ms > 0 ? events.length / (ms / 1000) : 0,
        recommendMs: recommendMs[m]!,
        learnMs: learnMs[m]!,
        windowHitRate: windowHits[m]!,
        itemPageHitRate: itemPageCases > 0 ? itemPageHits[m]! / itemPageCases : 0,
        ...(model.beside ? { besideHitRate: itemPageCases > 0 ? besideHits[m]! / itemPageCases : 0 } : {}),
        details: model.describe?.() ?? {},
      };
    }),
    wallMs: performance.now() - started,
  };
}

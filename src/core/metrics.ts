/**
 * Ranking metrics for next-item prediction with one held-out target per test case
 * (the prequential protocol of src/eval). With a single relevant item the ideal DCG is 1,
 * so NDCG@k = 1 / log2(rank + 1). Ranks are 1-based; 0 means "not in the top k". Pure.
 */

/** 1-based position of `target` among the first k of `list`, or 0 when absent. */
export function rankAtK(list: readonly string[], target: string, k: number): number {
  const n = Math.min(k, list.length);
  for (let i = 0; i < n; i++) if (list[i] === target) return i + 1;
  return 0;
}

export function hitAtK(rank: number): number {
  return rank > 0 ? 1 : 0;
}

export function ndcgAtK(rank: number): number {
  return rank > 0 ? 1 / Math.log2(rank + 1) : 0;
}

export function reciprocalRankAtK(rank: number): number {
  return rank > 0 ? 1 / rank : 0;
}

/** Share of the catalog that appeared in at least one top-k list. */
export function catalogCoverage(recommendedItems: ReadonlySet<string>, catalogSize: number): number {
  return catalogSize > 0 ? recommendedItems.size / catalogSize : 0;
}

/**
 * The second cutoff every summary reports beside k: session-based papers (Ludewig & Jannach
 * 2018) report HR@20 and MRR@20. Lists are asked for max(k, WIDE_K) and both cutoffs are
 * read from the same list.
 */
export const WIDE_K = 20;

export interface MetricsSummary {
  k: number;
  cases: number;
  hitRate: number;
  ndcg: number;
  mrr: number;
  /** HR@20 and MRR@20 (WIDE_K), from the same lists. */
  hitRate20: number;
  mrr20: number;
  /** Distinct recommended items over catalogSize (catalog = items seen by the end). */
  coverage: number;
  distinctRecommended: number;
}

export interface MetricsAccumulator {
  readonly k: number;
  /** List length to ask for: max(k, WIDE_K). */
  readonly listLength: number;
  /** Records one test case; returns the target's rank within the first k (0 = miss). */
  add(recommended: readonly string[], target: string): number;
  summary(catalogSize: number): MetricsSummary;
}

/** Means over test cases of HR@k, NDCG@k, MRR@k, HR@20 and MRR@20, plus catalog coverage (of the top k). */
export function createMetricsAccumulator(k: number): MetricsAccumulator {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  let cases = 0;
  let hits = 0;
  let ndcgSum = 0;
  let rrSum = 0;
  let hitsWide = 0;
  let rrWideSum = 0;
  const recommended = new Set<string>();
  return {
    k,
    listLength: Math.max(k, WIDE_K),
    add(list, target) {
      const rankWide = rankAtK(list, target, WIDE_K);
      hitsWide += hitAtK(rankWide);
      rrWideSum += reciprocalRankAtK(rankWide);
      const rank = rankAtK(list, target, k);
      cases++;
      hits += hitAtK(rank);
      ndcgSum += ndcgAtK(rank);
      rrSum += reciprocalRankAtK(rank);
      const n = Math.min(k, list.length);
      for (let i = 0; i < n; i++) recommended.add(list[i]!);
      return rank;
    },
    summary(catalogSize) {
      return {
        k,
        cases,
        hitRate: cases ? hits / cases : 0,
        ndcg: cases ? ndcgSum / cases : 0,
        mrr: cases ? rrSum / cases : 0,
        hitRate20: cases ? hitsWide / cases : 0,
        mrr20: cases ? rrWideSum / cases : 0,
        coverage: catalogCoverage(recommended, catalogSize),
        distinctRecommended: recommended.size,
      };
    },
  };
}

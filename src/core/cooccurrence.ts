/**
 * Sparse, symmetric item co-occurrence counts, accumulated online: when a user touches item i,
 * each of the user's previous `window` positive items h adds weight to (i, h) and (h, i), the
 * j-th newest with recencyDecay^j, so sequences count more than distant history and the cost
 * per event is bounded by the window. Item ids are interned to dense numbers.
 */
export interface Cooccurrence {
  readonly itemCount: number;
  /** Dense number of an id, interning it when new. */
  intern(itemId: string): number;
  numberOf(itemId: string): number | undefined;
  idOf(n: number): string;
  /** Adds one interaction of `item` after the context items (newest last). */
  observe(item: string, contextNewestLast: readonly string[], weight: number): void;
  /** Marginal mass of an item (weighted interactions). */
  countOf(n: number): number;
  rowOf(n: number): ReadonlyMap<number, number> | undefined;
  totalPairs(): number;
}

export interface CooccurrenceParams {
  window: number;
  recencyDecay: number;
  /**
   * Memory bound: when more pairs than this are stored, every row keeps only its heavier
   * half (at least MIN_ROW entries), the long tail of one-off pairs going first. About
   * 80 bytes per pair, so the default is ~400 MB; rows too short to prune can push past it.
   */
  maxPairs?: number;
}

const DEFAULT_MAX_PAIRS = 5_000_000;
const MIN_ROW = 16;

export function createCooccurrence(params: CooccurrenceParams): Cooccurrence {
  const ids: string[] = [];
  const numbers = new Map<string, number>();
  const rows: Array<Map<number, number>> = [];
  const counts: number[] = [];
  let pairs = 0;
  const maxPairs = params.maxPairs ?? DEFAULT_MAX_PAIRS;
  let pruneAt = maxPairs;

  function intern(itemId: string): number {
    let n = numbers.get(itemId);
    if (n === undefined) {
      n = ids.length;
      ids.push(itemId);
      numbers.set(itemId, n);
      rows.push(new Map());
      counts.push(0);
    }
    return n;
  }

  function bump(a: number, b: number, w: number): void {
    const row = rows[a]!;
    const prev = row.get(b);
    if (prev === undefined) pairs++;
    row.set(b, (prev ?? 0) + w);
  }

  function prune(): void {
    for (const row of rows) {
      if (row.size <= MIN_ROW) continue;
      const keep = Math.max(MIN_ROW, Math.floor(row.size / 2));
      const threshold = [...row.values()].sort((a, b) => b - a)[keep - 1]!;
      let ties = 0;
      for (const w of row.values()) if (w > threshold) ties--;
      ties += keep; // entries equal to the threshold that may stay
      for (const [c, w] of row) {
        if (w > threshold) continue;
        if (w === threshold && ties > 0) {
          ties--;
          continue;
        }
        row.delete(c);
        pairs--;
      }
    }
  }

  return {
    get itemCount() {
      return ids.length;
    },
    intern,
    numberOf: (itemId) => numbers.get(itemId),
    idOf: (n) => ids[n]!,
    observe(item, context, weight) {
      if (pairs > pruneAt) {
        prune();
        // Rows too short to prune can keep the count above the budget: wait for it to double.
        pruneAt = Math.max(maxPairs, pairs * 2);
      }
      const i = intern(item);
      counts[i] = counts[i]! + weight;
      let w = weight;
      let used = 0;
      for (let j = context.length - 1; j >= 0 && used < params.window; j--) {
        const h = intern(context[j]!);
        if (h === i) continue;
        bump(i, h, w);
        bump(h, i, w);
        w *= params.recencyDecay;
        used++;
      }
    },
    countOf: (n) => counts[n] ?? 0,
    rowOf: (n) => rows[n],
    totalPairs: () => pairs,
  };
}

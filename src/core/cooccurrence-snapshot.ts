import type { Cooccurrence } from './cooccurrence.ts';

/**
 * A co-occurrence copied into flat arrays (rows in compressed sparse form, each row in its
 * map's iteration order), so it can cross to a worker thread and be read there exactly as
 * the original: the refit's sums visit the entries in the same order and come out bit-equal.
 */
export interface CooccurrenceSnapshot {
  ids: string[];
  counts: Float64Array;
  /** Row n holds entries rowStart[n] .. rowStart[n + 1] - 1. */
  rowStart: Int32Array;
  cols: Int32Array;
  weights: Float64Array;
}

export function snapshotCooccurrence(cooc: Cooccurrence): CooccurrenceSnapshot {
  const n = cooc.itemCount;
  const ids = new Array<string>(n);
  const counts = new Float64Array(n);
  const rowStart = new Int32Array(n + 1);
  let pairs = 0;
  for (let i = 0; i < n; i++) pairs += cooc.rowOf(i)?.size ?? 0;
  const cols = new Int32Array(pairs);
  const weights = new Float64Array(pairs);
  let k = 0;
  for (let i = 0; i < n; i++) {
    ids[i] = cooc.idOf(i);
    counts[i] = cooc.countOf(i);
    rowStart[i] = k;
    for (const [c, w] of cooc.rowOf(i) ?? []) {
      cols[k] = c;
      weights[k] = w;
      k++;
    }
  }
  rowStart[n] = k;
  return { ids, counts, rowStart, cols, weights };
}

/** A read-only Cooccurrence over a snapshot (what refitItemVectors reads); observe and intern throw. */
export function cooccurrenceFromSnapshot(s: CooccurrenceSnapshot): Cooccurrence {
  const numbers = new Map<string, number>();
  s.ids.forEach((id, i) => numbers.set(id, i));
  const rows: Array<Map<number, number>> = [];
  for (let i = 0; i < s.ids.length; i++) {
    const row = new Map<number, number>();
    for (let k = s.rowStart[i]!; k < s.rowStart[i + 1]!; k++) row.set(s.cols[k]!, s.weights[k]!);
    rows.push(row);
  }
  const readOnly = (): never => {
    throw new Error('a co-occurrence snapshot is read-only');
  };
  return {
    itemCount: s.ids.length,
    intern: readOnly,
    numberOf: (itemId) => numbers.get(itemId),
    idOf: (n) => s.ids[n]!,
    observe: readOnly,
    countOf: (n) => s.counts[n] ?? 0,
    rowOf: (n) => rows[n],
    totalPairs: () => s.cols.length,
  };
}

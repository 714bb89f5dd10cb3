import type { ClickEvent, EventWeights } from '../../core/events.ts';
import { TopK } from '../../core/index-common.ts';
import type { EvalModel } from '../eval-model.ts';

export interface ItemKnnOptions {
  weights: EventWeights;
  /** Co-occurrence window: a new item co-occurs with this many of the user's previous items. */
  windowItems: number;
  /** Candidates are scored against this many of the user's most recent items. */
  historyItems: number;
}

/**
 * A sparse row of the co-occurrence matrix: parallel typed arrays for fast scans
 * (scoring touches every entry) plus a slot map for O(1) updates.
 */
class SparseRow {
  ids = new Int32Array(8);
  counts = new Float32Array(8);
  size = 0;
  private readonly slot = new Map<number, number>();

  add(id: number, amount: number): void {
    const at = this.slot.get(id);
    if (at !== undefined) {
      this.counts[at]! += amount;
      return;
    }
    if (this.size === this.ids.length) {
      const ids = new Int32Array(this.size * 2);
      ids.set(this.ids);
      const counts = new Float32Array(this.size * 2);
      counts.set(this.counts);
      this.ids = ids;
      this.counts = counts;
    }
    this.slot.set(id, this.size);
    this.ids[this.size] = id;
    this.counts[this.size] = amount;
    this.size++;
  }
}

/**
 * Item-kNN on co-occurrence with the user's recent history, learned online (an
 * evaluation baseline, not production code). When a user interacts positively with item
 * j, j co-occurs once with each of the user's previous `windowItems` distinct items.
 * Similarity is cosine over these counts: sim(i, j) = c(i, j) / sqrt(n(i) n(j)), n = the
 * item's positive interactions. A candidate's score is its summed similarity to the
 * user's last `historyItems` items; users with no history, and lists short of k, are
 * filled by all-time popularity so every model answers every test case.
 */
export function createItemKnnModel(options: ItemKnnOptions): EvalModel {
  const indexOf = new Map<string, number>();
  const itemIds: string[] = [];
  const rows: SparseRow[] = [];
  let counts = new Float64Array(1024);
  let scores = new Float64Array(1024);
  const histories = new Map<string, number[]>();

  const intern = (itemId: string): number => {
    let ix = indexOf.get(itemId);
    if (ix === undefined) {
      ix = itemIds.length;
      indexOf.set(itemId, ix);
      itemIds.push(itemId);
      rows.push(new SparseRow());
      if (ix >= counts.length) {
        const grown = new Float64Array(counts.length * 2);
        grown.set(counts);
        counts = grown;
        scores = new Float64Array(counts.length);
      }
    }
    return ix;
  };

  /** The `n` most popular items not excluded and not taken, best first. */
  const popular = (n: number, exclude: ReadonlySet<string>, taken: ReadonlySet<string>): string[] => {
    const fill = new TopK(n);
    for (let i = 0; i < itemIds.length; i++) {
      const id = itemIds[i]!;
      if (fill.wouldAccept(counts[i]!) && !exclude.has(id) && !taken.has(id)) fill.push(id, counts[i]!);
    }
    return fill.sorted().map((x) => x.itemId);
  };

  return {
    name: 'itemknn',
    recommend(userId, k, exclude) {
      const top = new TopK(k);
      const history = histories.get(userId) ?? [];
      const recent = history.slice(-options.historyItems);
      const touched: number[] = [];
      for (const i of recent) {
        const row = rows[i]!;
        const ni = counts[i]!;
        const { ids, counts: c } = row;
        for (let s = 0; s < row.size; s++) {
          const j = ids[s]!;
          if (scores[j] === 0) touched.push(j);
          scores[j]! += c[s]! / Math.sqrt(ni * counts[j]!);
        }
      }
      for (const j of touched) {
        const id = itemIds[j]!;
        if (top.wouldAccept(scores[j]!) && !exclude.has(id)) top.push(id, scores[j]!);
        scores[j] = 0;
      }
      const list = top.sorted().map((x) => x.itemId);
      return list.length < k ? list.concat(popular(k - list.length, exclude, new Set(list))) : list;
    },
    learn(event: ClickEvent) {
      if (options.weights[event.type] <= 0) return;
      const j = intern(event.itemId);
      counts[j]! += 1;
      let history = histories.get(event.userId);
      if (history === undefined) {
        history = [];
        histories.set(event.userId, history);
      }
      const cap = Math.max(options.windowItems, options.historyItems);
      const from = Math.max(0, history.length - options.windowItems);
      for (let h = from; h < history.length; h++) {
        const i = history[h]!;
        if (i === j) continue;
        rows[i]!.add(j, 1);
        rows[j]!.add(i, 1);
      }
      const existing = history.indexOf(j);
      if (existing >= 0) history.splice(existing, 1);
      history.push(j);
      if (history.length > cap) history.shift();
    },
    describe: () => ({ windowItems: options.windowItems, historyItems: options.historyItems }),
  };
}

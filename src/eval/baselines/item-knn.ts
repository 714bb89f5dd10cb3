import type { ClickEvent, EventWeights } from '../../core/events.ts';
import type { EvalModel } from '../eval-model.ts';
import { ItemTable, SparseRow } from './item-table.ts';

export interface ItemKnnOptions {
  weights: EventWeights;
  /** Co-occurrence window: a new item co-occurs with this many of the user's previous items. */
  windowItems: number;
  /** Candidates are scored against this many of the user's most recent items. */
  historyItems: number;
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
  const items = new ItemTable();
  const rows: SparseRow[] = [];
  const histories = new Map<string, number[]>();

  return {
    name: 'itemknn',
    recommend(userId, k, exclude) {
      const history = histories.get(userId) ?? [];
      const recent = history.slice(-options.historyItems);
      const counts = items.counts;
      for (const i of recent) {
        const row = rows[i]!;
        const ni = counts[i]!;
        const { ids, weights: c } = row;
        for (let s = 0; s < row.size; s++) {
          const j = ids[s]!;
          items.addScore(j, c[s]! / Math.sqrt(ni * counts[j]!));
        }
      }
      return items.topScored(k, exclude);
    },
    learn(event: ClickEvent) {
      if (options.weights[event.type] <= 0) return;
      const j = items.intern(event.itemId);
      if (j === rows.length) rows.push(new SparseRow());
      items.counts[j]! += 1;
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

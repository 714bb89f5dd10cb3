import type { ClickEvent, EventWeights } from '../../core/events.ts';
import type { EvalModel } from '../eval-model.ts';
import { ItemTable, SparseRow } from './item-table.ts';

export interface SequentialRulesOptions {
  weights: EventWeights;
  /** Largest distance j - i between a rule's two events within a session. @default 10 */
  steps: number;
}

/**
 * Sequential rules (SR, Ludewig & Jannach 2018, after Kamehkhosh et al. 2017), learned
 * online: when a session's positive event on b follows one on a by d ≤ `steps` positions,
 * the rule a → b gains 1/d (the reference's 'div' weighting). A session's next items are the
 * rules of its last item, best first; lists short of k are filled by all-time popularity.
 * Here a session is the user's sequence of positive events (a session with
 * --session-as-user). The reference prunes each item to its 20 best rules after batch
 * training; online nothing is pruned, which differs only when excluded items leave fewer
 * than 20 rules.
 */
export function createSequentialRulesModel(options: SequentialRulesOptions): EvalModel {
  const items = new ItemTable();
  const rules: SparseRow[] = [];
  /** The session's last `steps` items, most recent last. */
  const recent = new Map<string, number[]>();

  return {
    name: 'sr',
    recommend(userId, k, exclude) {
      const last = recent.get(userId)?.at(-1);
      const row = last === undefined ? undefined : rules[last];
      if (row !== undefined) {
        const { ids, weights } = row;
        for (let s = 0; s < row.size; s++) items.addScore(ids[s]!, weights[s]!);
      }
      return items.topScored(k, exclude);
    },
    learn(event: ClickEvent) {
      if (options.weights[event.type] <= 0) return;
      const b = items.intern(event.itemId);
      if (b === rules.length) rules.push(new SparseRow());
      items.counts[b]! += 1;
      let history = recent.get(event.userId);
      if (history === undefined) {
        history = [];
        recent.set(event.userId, history);
      }
      for (let d = 1; d <= history.length; d++) {
        const a = history[history.length - d]!;
        if (a !== b) rules[a]!.add(b, 1 / d);
      }
      history.push(b);
      if (history.length > options.steps) history.shift();
    },
    describe: () => ({ steps: options.steps, weighting: 'div' }),
  };
}

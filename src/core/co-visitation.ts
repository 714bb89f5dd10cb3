import type { EventWeights } from './events.ts';
import type { HistoryEntry } from './user-state.ts';

/**
 * Order-aware, short-window co-visitation learned per event: when a user's positive event on b
 * follows one on a by d positions (d ≤ window), the rule a → b gains 1/d and b → a gains
 * backwardWeight/d. Sessions are read forwards (what comes next) and, more weakly, backwards
 * (what came with it). Each item keeps at most `maxNeighbours` rules; past that the lighter half
 * goes, so memory is bounded: 12 bytes per rule, about maxNeighbours × 12 bytes per item (1.2 KB
 * at the default 100) plus the item's id.
 */
export interface CoVisitationParams {
  /** Positions back in the user's positive sequence a new item is paired with. */
  window: number;
  /** Weight of the reverse rule b → a relative to the forward a → b. */
  backwardWeight: number;
  /** Rules kept per item (the heaviest). */
  maxNeighbours: number;
}

export const DEFAULT_CO_VISITATION_PARAMS: CoVisitationParams = Object.freeze({ window: 10, backwardWeight: 0.5, maxNeighbours: 100 });

/** One item's rules, heaviest first when published; `mass` is the item's total rule weight ever added (pruned rules included). */
export interface NeighbourRow {
  ids: readonly string[];
  weights: readonly number[];
  mass: number;
}

/** What scoring reads: the rules of an item. The writer (CoVisitation) and a replicated copy (NeighbourTable) both provide it. */
export interface NeighbourSource {
  forEachRule(itemId: string, visit: (neighbourId: string, weight: number) => void): number;
  /** The ids its rules propose whose itemHash is `hash`: resolves stored rankings of items that may not be indexed. */
  idsWithHash?(hash: number): readonly string[];
}

export interface CoVisitation extends NeighbourSource {
  readonly items: number;
  /** Counts one positive event on `itemId` after the user's earlier positive items (newest last). */
  observe(itemId: string, previousNewestLast: readonly string[]): void;
  /** The item's rules, heaviest first, at most `limit`. */
  rowOf(itemId: string, limit?: number): NeighbourRow | undefined;
}

class Row {
  ids = new Int32Array(4);
  weights = new Float64Array(4);
  size = 0;
  mass = 0;

  add(id: number, w: number, cap: number): void {
    this.mass += w;
    const { ids } = this;
    for (let s = 0; s < this.size; s++) {
      if (ids[s] === id) {
        this.weights[s]! += w;
        return;
      }
    }
    if (this.size === this.ids.length) {
      if (this.size >= cap * 2) this.prune(cap);
      else this.grow();
    }
    this.ids[this.size] = id;
    this.weights[this.size] = w;
    this.size++;
  }

  /** Keeps the `cap` heaviest rules (ties: the older entry stays). */
  private prune(cap: number): void {
    const order = Array.from({ length: this.size }, (_, i) => i).sort((a, b) => this.weights[b]! - this.weights[a]! || a - b);
    const keep = order.slice(0, cap).sort((a, b) => a - b);
    for (let s = 0; s < keep.length; s++) {
      this.ids[s] = this.ids[keep[s]!]!;
      this.weights[s] = this.weights[keep[s]!]!;
    }
    this.size = keep.length;
  }

  private grow(): void {
    const ids = new Int32Array(this.ids.length * 2);
    ids.set(this.ids);
    const weights = new Float64Array(this.weights.length * 2);
    weights.set(this.weights);
    this.ids = ids;
    this.weights = weights;
  }
}

export function createCoVisitation(params: CoVisitationParams = DEFAULT_CO_VISITATION_PARAMS): CoVisitation {
  const ids: string[] = [];
  const numbers = new Map<string, number>();
  const rows: Row[] = [];
  // A row holds up to 2 × maxNeighbours between prunes, so the kept heaviest are rarely cut short.
  const cap = Math.max(1, params.maxNeighbours);
  const intern = (itemId: string): number => {
    let n = numbers.get(itemId);
    if (n === undefined) {
      n = ids.length;
      ids.push(itemId);
      numbers.set(itemId, n);
      rows.push(new Row());
    }
    return n;
  };
  return {
    get items() {
      return ids.length;
    },
    observe(itemId, previous) {
      const b = intern(itemId);
      for (let d = 1; d <= params.window && d <= previous.length; d++) {
        const a = intern(previous[previous.length - d]!);
        if (a === b) continue;
        rows[a]!.add(b, 1 / d, cap);
        if (params.backwardWeight > 0) rows[b]!.add(a, params.backwardWeight / d, cap);
      }
    },
    forEachRule(itemId, visit) {
      const n = numbers.get(itemId);
      if (n === undefined) return 0;
      const row = rows[n]!;
      for (let s = 0; s < row.size; s++) visit(ids[row.ids[s]!]!, row.weights[s]!);
      return row.mass;
    },
    rowOf(itemId, limit = params.maxNeighbours) {
      const n = numbers.get(itemId);
      if (n === undefined) return undefined;
      const row = rows[n]!;
      const order = Array.from({ length: row.size }, (_, i) => i)
        .sort((a, b) => row.weights[b]! - row.weights[a]! || a - b)
        .slice(0, limit);
      return { ids: order.map((s) => ids[row.ids[s]!]!), weights: order.map((s) => row.weights[s]!), mass: row.mass };
    },
  };
}

/**
 * The positive items of a history, newest last, each once (its latest position), at most `cap`:
 * the sequence co-visitation pairs a new event with.
 */
export function positiveSequence(history: readonly HistoryEntry[], weights: EventWeights, cap: number): string[] {
  const out: string[] = [];
  const taken = new Set<string>();
  for (let j = history.length - 1; j >= 0 && out.length < cap; j--) {
    const h = history[j]!;
    if (!(weights[h.type] > 0) || taken.has(h.itemId)) continue;
    taken.add(h.itemId);
    out.push(h.itemId);
  }
  return out.reverse();
}

export interface CoVisitationScoring {
  /** Newest positive history items whose rules are summed. */
  recentItems: number;
  /** The j-th newest counts recencyDecay^j. */
  recencyDecay: number;
}

export const DEFAULT_CO_VISITATION_SCORING: CoVisitationScoring = Object.freeze({ recentItems: 10, recencyDecay: 0.7 });

/**
 * Candidate scores from the rules of the user's recent items: Σ_j decay^j · w(type_j) ·
 * rule(r_j → c) / mass(r_j), i.e. each recent item votes with its conditional next-item
 * distribution, the newest loudest. Scores are in (0, Σ decay^j · w]; the caller normalises.
 */
export function coVisitationScores(
  history: readonly HistoryEntry[],
  source: NeighbourSource,
  weights: EventWeights,
  scoring: CoVisitationScoring,
): Map<string, number> {
  const scores = new Map<string, number>();
  const taken = new Set<string>();
  let decay = 1;
  for (let j = history.length - 1; j >= 0 && taken.size < scoring.recentItems; j--) {
    const h = history[j]!;
    const w = weights[h.type];
    if (!(w > 0) || taken.has(h.itemId)) continue;
    taken.add(h.itemId);
    const vote = decay * w;
    let inRow = 0;
    const rows: Array<[string, number]> = [];
    const mass = source.forEachRule(h.itemId, (id, rule) => {
      rows.push([id, rule]);
      inRow += rule;
    });
    const norm = mass > 0 ? mass : inRow;
    if (norm > 0) for (const [id, rule] of rows) scores.set(id, (scores.get(id) ?? 0) + (vote * rule) / norm);
    decay *= scoring.recencyDecay;
  }
  return scores;
}

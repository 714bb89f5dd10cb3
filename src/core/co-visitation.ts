import type { EventWeights } from './events.ts';
import { TopK } from './index-common.ts';
import { itemHash } from './item-hash.ts';
import type { HistoryEntry } from './user-state.ts';

/**
 * Order-aware, short-window co-visitation learned per event: when a user's positive event on b
 * follows one on a by d positions (d ≤ window), the rule a → b gains 1/d and b → a gains
 * backwardWeight/d. Sessions are read forwards (what comes next) and, more weakly, backwards
 * (what came with it). Each item keeps its heaviest `maxNeighbours` rules (a row holds up to
 * twice that between prunes), and of each rule also its forward part (what followed the item
 * alone: the next-item distribution sequential rules rank by), so memory is bounded: 20 bytes
 * per rule, at most 2 × maxNeighbours × 20 bytes per item (4 KB at the default 100) plus the
 * item's id.
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

/** One item's rules as published and replicated: heaviest first; `mass` is the total rule weight ever added (pruned rules included). */
export interface NeighbourRow {
  itemId: string;
  ids: readonly string[];
  weights: readonly number[];
  mass: number;
  /**
   * Per rule, the forward part of its weight (items that followed this one), and the total
   * forward weight ever added. Absent in rows of writers that did not keep it: the last item's
   * next-item distribution is then read from the whole weights.
   */
  forward?: readonly number[];
  forwardMass?: number;
}

/** An item's rules over the source's dense item numbers: `size` entries of `to` and `weights`. */
export interface DenseRow {
  readonly to: Int32Array;
  readonly weights: Float64Array;
  readonly size: number;
  readonly mass: number;
  /** The forward part of each weight and its total (NeighbourRow.forward); absent when the row came without them. */
  readonly forward?: Float64Array;
  readonly forwardMass?: number;
}

/**
 * What scoring reads: items numbered densely, with their rules. The writer (CoVisitation, in
 * the process that sees every event) and a replicated copy (NeighbourTable) both provide it.
 */
export interface NeighbourSource {
  /** Upper bound of the item numbers. */
  readonly items: number;
  numberOf(itemId: string): number | undefined;
  idOf(n: number): string;
  rowAt(n: number): DenseRow | undefined;
  /** The ids it knows whose itemHash is `hash`: resolves stored rankings of items that may not be indexed. */
  idsWithHash(hash: number): readonly string[];
}

export interface CoVisitation extends NeighbourSource {
  /** Counts one positive event on `itemId` after the user's earlier positive items (newest last). */
  observe(itemId: string, previousNewestLast: readonly string[]): void;
  /** The item's rules, heaviest first, at most `limit` (default maxNeighbours). */
  rowOf(itemId: string, limit?: number): NeighbourRow | undefined;
}

/** A growable row; `prune` keeps the heaviest `cap` (ties: the older entry stays). */
class MutableRow implements DenseRow {
  to = new Int32Array(4);
  weights = new Float64Array(4);
  forward = new Float64Array(4);
  size = 0;
  mass = 0;
  forwardMass = 0;

  /** Adds `w` to the rule to `id`; `forward`: `id` followed this item (else it came before). */
  add(id: number, w: number, cap: number, forward: boolean): void {
    this.mass += w;
    const f = forward ? w : 0;
    this.forwardMass += f;
    const { to } = this;
    for (let s = 0; s < this.size; s++) {
      if (to[s] === id) {
        this.weights[s]! += w;
        this.forward[s]! += f;
        return;
      }
    }
    if (this.size === this.to.length) {
      if (this.size >= cap * 2) this.prune(cap);
      else this.grow();
    }
    this.to[this.size] = id;
    this.weights[this.size] = w;
    this.forward[this.size] = f;
    this.size++;
  }

  /** Entry positions, heaviest first. */
  order(): number[] {
    return Array.from({ length: this.size }, (_, i) => i).sort((a, b) => this.weights[b]! - this.weights[a]! || a - b);
  }

  private prune(cap: number): void {
    const keep = this.order().slice(0, cap).sort((a, b) => a - b);
    for (let s = 0; s < keep.length; s++) {
      this.to[s] = this.to[keep[s]!]!;
      this.weights[s] = this.weights[keep[s]!]!;
      this.forward[s] = this.forward[keep[s]!]!;
    }
    this.size = keep.length;
  }

  private grow(): void {
    const to = new Int32Array(this.to.length * 2);
    to.set(this.to);
    const weights = new Float64Array(this.weights.length * 2);
    weights.set(this.weights);
    const forward = new Float64Array(this.forward.length * 2);
    forward.set(this.forward);
    this.to = to;
    this.weights = weights;
    this.forward = forward;
  }
}

/** Item ids numbered densely in order of first sight, with a hash → ids lookup; ids are never forgotten. */
export function createItemNumbers(onNew?: () => void): { ids: string[]; numberOf(itemId: string): number | undefined; intern(itemId: string): number; idsWithHash(hash: number): readonly string[] } {
  const ids: string[] = [];
  const numbers = new Map<string, number>();
  const byHash = new Map<number, string[]>();
  const none: readonly string[] = [];
  return {
    ids,
    numberOf: (itemId) => numbers.get(itemId),
    intern(itemId) {
      let n = numbers.get(itemId);
      if (n === undefined) {
        n = ids.length;
        ids.push(itemId);
        numbers.set(itemId, n);
        const h = itemHash(itemId);
        const same = byHash.get(h);
        if (same) same.push(itemId);
        else byHash.set(h, [itemId]);
        onNew?.();
      }
      return n;
    },
    idsWithHash: (hash) => byHash.get(hash) ?? none,
  };
}

export function createCoVisitation(params: CoVisitationParams = DEFAULT_CO_VISITATION_PARAMS): CoVisitation {
  const rows: MutableRow[] = [];
  const numbers = createItemNumbers(() => rows.push(new MutableRow()));
  const { ids, intern } = numbers;
  const cap = Math.max(1, params.maxNeighbours);
  return {
    get items() {
      return ids.length;
    },
    numberOf: numbers.numberOf,
    idOf: (n) => ids[n]!,
    rowAt: (n) => rows[n],
    idsWithHash: numbers.idsWithHash,
    observe(itemId, previous) {
      const b = intern(itemId);
      for (let d = 1; d <= params.window && d <= previous.length; d++) {
        const a = intern(previous[previous.length - d]!);
        if (a === b) continue;
        rows[a]!.add(b, 1 / d, cap, true);
        if (params.backwardWeight > 0) rows[b]!.add(a, params.backwardWeight / d, cap, false);
      }
    },
    rowOf(itemId, limit = params.maxNeighbours) {
      const n = numbers.numberOf(itemId);
      if (n === undefined) return undefined;
      const row = rows[n]!;
      const order = row.order().slice(0, limit);
      return {
        itemId,
        ids: order.map((s) => ids[row.to[s]!]!),
        weights: order.map((s) => row.weights[s]!),
        mass: row.mass,
        forward: order.map((s) => row.forward[s]!),
        forwardMass: row.forwardMass,
      };
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
  /** Newest distinct positive history items whose rules vote. */
  recentItems: number;
  /** The j-th newest votes with recencyDecay^j (times its event weight). */
  recencyDecay: number;
  /**
   * Rule mass at which an item's rules are trusted half-way (see CoVisitationCandidates.support):
   * below it an item has been seen in few sequences, so its vector, learned from the same few
   * contexts, is weak too.
   */
  halfTrustMass: number;
  /**
   * Two steps of the rules: each of the newest `items` recent items whose rule mass is below
   * `belowMass` also votes, `weight` times its vote, with what follows its `fanout` heaviest
   * rules' items: Σ_b rule(r → b) / mass(r) · rule(b → c) / mass(b). It reaches items never seen
   * next to the user's own but next to what is, which on a long tail is most of what comes next.
   * A well-known item's own rules already spell out what follows it (on MovieLens two steps
   * from every item changed nothing and cost 1.45× the replay time), hence the mass bound.
   */
  twoStep?: { weight: number; items: number; fanout: number; belowMass: number };
}

/**
 * Two steps from the newest 5 items with rule mass under 100, through their 10 heaviest rules,
 * at weight 3: chosen on the validation prefixes of ML-100K, DIGINETICA and six synthetic
 * streams (src/eval/README.md); each of them gained or held.
 */
export const DEFAULT_CO_VISITATION_SCORING: CoVisitationScoring = Object.freeze({
  recentItems: 10,
  recencyDecay: 0.7,
  halfTrustMass: 20,
  twoStep: Object.freeze({ weight: 3, items: 5, fanout: 10, belowMass: 100 }),
});

// Scratch shared by every call (scoring is synchronous): one float per item number, and the
// numbers touched, in order of first touch (at most one per item number).
let scratch = new Float64Array(1024);
let touched = new Int32Array(1024);
// The two-step pass's scratch: the recent items' rows and votes, and one row's heaviest entries.
const stepRows: DenseRow[] = [];
const stepVotes: number[] = [];
let heavy = new Int32Array(16);

/**
 * The `limit` best candidates from the rules of the user's recent items, each passing `accept`:
 * score(c) = Σ_j v_j · rule(r_j → c) / mass(r_j) / Σ_j v_j over the recent items r_j that have
 * rules, v_j = recencyDecay^j · w(type_j), plus the two steps of the newest ones (twoStep).
 * Each recent item votes with its estimated next-item distribution (and two steps on, with
 * twoStep.weight times another), so a score is a probability-like number in [0, 1 +
 * twoStep.weight]: large where sessions are short and repetitive, small where an item's rules
 * are spread thin. That scale is what lets a fixed weight blend it with cosine similarity across
 * very different streams.
 */
export interface CoVisitationCandidates {
  /** The candidates and their scores, in no particular order (the recommender ranks them). */
  scores: Map<string, number>;
  /**
   * How well the user's recent items are known, in [0, 1): Σ_j v_j · m_j / (m_j + halfTrustMass)
   * / Σ_j v_j over all of them, m_j the item's rule mass. The blend scales the embedding's weight
   * by it: vectors of rarely seen items are placed from a few contexts and rank poorly, while
   * their few rules are exactly what was seen next. This is how one default serves dense
   * catalogues (MovieLens: support near 1) and long-tail shops (most items seen a few times).
   */
  support: number;
  /**
   * Of the candidates in `scores`, the last positive item's next-item distribution: the forward
   * part of rule(r_0 → c) / the forward mass of r_0 (what followed r_0 alone, what sequential
   * rules rank by); absent where 0. From rows without forward parts, rule / mass.
   */
  last: Map<string, number>;
}

export function coVisitationScores(
  history: readonly HistoryEntry[],
  source: NeighbourSource,
  weights: EventWeights,
  scoring: CoVisitationScoring,
  limit: number,
  accept: (itemId: string) => boolean,
): CoVisitationCandidates {
  if (scratch.length < source.items) {
    scratch = new Float64Array(Math.max(source.items, scratch.length * 2));
    touched = new Int32Array(scratch.length);
  }
  const acc = scratch;
  const order = touched;
  let touchedCount = 0;
  const taken = new Set<string>();
  let decay = 1;
  let votes = 0;
  let allVotes = 0;
  let trust = 0;
  // The rules of the most recent positive item, when it has any (its row is read first).
  let lastRow: DenseRow | undefined;
  const twoStep = scoring.twoStep;
  for (let j = history.length - 1; j >= 0 && taken.size < scoring.recentItems; j--) {
    const h = history[j]!;
    const w = weights[h.type];
    if (!(w > 0) || taken.has(h.itemId)) continue;
    taken.add(h.itemId);
    const n = source.numberOf(h.itemId);
    const row = n === undefined ? undefined : source.rowAt(n);
    const vote = decay * w;
    decay *= scoring.recencyDecay;
    allVotes += vote;
    if (row === undefined || row.size === 0 || !(row.mass > 0)) continue;
    if (taken.size === 1) lastRow = row;
    trust += (vote * row.mass) / (row.mass + scoring.halfTrustMass);
    votes += vote;
    if (twoStep !== undefined && taken.size <= twoStep.items && row.mass < twoStep.belowMass) {
      stepRows.push(row);
      stepVotes.push(vote);
    }
    touchedCount = addRow(row, vote / row.mass, touchedCount);
  }
  for (let j = 0; twoStep !== undefined && j < stepRows.length; j++) {
    const row = stepRows[j]!;
    const picked = heaviestRules(row, twoStep.fanout, source);
    for (let i = 0; i < picked; i++) {
      const s = heavy[i]!;
      const next = source.rowAt(row.to[s]!);
      if (next === undefined || next.size === 0 || !(next.mass > 0)) continue;
      touchedCount = addRow(next, (twoStep.weight * stepVotes[j]! * row.weights[s]!) / row.mass / next.mass, touchedCount);
    }
  }
  stepRows.length = 0;
  stepVotes.length = 0;
  const top = new TopK(limit);
  for (let t = 0; t < touchedCount; t++) {
    const c = order[t]!;
    const v = acc[c]!;
    acc[c] = 0;
    if (top.wouldAccept(v)) {
      const id = source.idOf(c);
      if (accept(id)) top.push(id, v);
    }
  }
  const scores = new Map<string, number>();
  if (votes > 0) top.forEach((itemId, score) => scores.set(itemId, score / votes));
  const last = new Map<string, number>();
  if (lastRow !== undefined && scores.size > 0) {
    // What followed the last item, where the row keeps it apart from what came before it.
    const forward = lastRow.forward;
    const part = forward ?? lastRow.weights;
    const partMass = forward ? lastRow.forwardMass ?? 0 : lastRow.mass;
    if (partMass > 0) {
      for (let s = 0; s < lastRow.size; s++) {
        const w = part[s]!;
        if (!(w > 0)) continue;
        const id = source.idOf(lastRow.to[s]!);
        if (scores.has(id)) last.set(id, w / partMass);
      }
    }
  }
  return { scores, support: allVotes > 0 ? trust / allVotes : 0, last };
}

/**
 * Adds `scale` × each rule weight of `row` to the scratch scores; returns the count of touched
 * numbers after it (the first `touchedCount` of `touched` are the numbers touched so far). Rule
 * weights are positive, so a zero marks a number not touched yet: written either way and kept
 * only when new, without a branch to mispredict.
 */
function addRow(row: DenseRow, scale: number, touchedCount: number): number {
  const acc = scratch;
  const order = touched;
  const { to, weights: rule, size } = row;
  let count = touchedCount;
  for (let s = 0; s < size; s++) {
    const c = to[s]!;
    const v = acc[c]!;
    order[count] = c;
    count += v === 0 ? 1 : 0;
    acc[c] = v + scale * rule[s]!;
  }
  return count;
}

/**
 * Writes the positions of `row`'s `n` heaviest rules to `heavy` (heaviest first; equal weights
 * by item id, so a writer's row and its replicated copy, which number items apart, pick the
 * same) and returns how many there are.
 */
function heaviestRules(row: DenseRow, n: number, source: NeighbourSource): number {
  if (heavy.length < n) heavy = new Int32Array(n);
  const { to, weights } = row;
  let count = 0;
  const before = (a: number, b: number): boolean => weights[a]! > weights[b]! || (weights[a] === weights[b] && source.idOf(to[a]!) < source.idOf(to[b]!));
  for (let s = 0; s < row.size; s++) {
    if (count === n && !before(s, heavy[n - 1]!)) continue;
    let at = count < n ? count++ : n - 1;
    while (at > 0 && before(s, heavy[at - 1]!)) {
      heavy[at] = heavy[at - 1]!;
      at--;
    }
    heavy[at] = s;
  }
  return count;
}

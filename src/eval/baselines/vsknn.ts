import type { ClickEvent, EventWeights } from '../../core/events.ts';
import type { EvalModel } from '../eval-model.ts';
import { ItemTable } from './item-table.ts';

export interface VsknnOptions {
  weights: EventWeights;
  /** Neighbour sessions whose items are scored (the reference's k). @default 100 */
  neighbours: number;
  /** Most recently active candidate sessions (sharing an item with the current one) that can be neighbours. @default 500 */
  sampleSize: number;
  /**
   * Weight of the current session's item at position p of n (1-based, repeats count, an
   * item takes its last position): 'div' p / n, 'linear' max(0, 1 - 0.1 (n - p)). @default 'div'
   */
  weighting: 'div' | 'linear';
  /** Sessions remembered per item, the most recent to touch it first: bounds memory and time. @default 1000 */
  sessionsPerItem: number;
}

/**
 * V-SKNN (vector-multiplication session kNN, Ludewig & Jannach 2018; session-rec's
 * vsknn.py with its defaults: 'div' weighting and 'div' score decay, no idf, no dwell time),
 * learned online: a session's items are in the item → sessions index as soon as learned.
 * Candidates are the sessions sharing an item with the current one (each item's last
 * `sessionsPerItem`), of which the `sampleSize` most recently active are kept. Similarity =
 * Σ position weights of the shared items / distinct items of the current session (the
 * dot product of the weighted current session with the binary candidate). The `neighbours`
 * most similar score each of their items by similarity / step, step = how far from the end
 * of the current session its latest item shared with that neighbour is (1 = the last item).
 * A session is the user's positive events (a session with --session-as-user); the user's
 * own session is never its neighbour. Lists short of k are filled by all-time popularity.
 */
export function createVsknnModel(options: VsknnOptions): EvalModel {
  const cap = options.sessionsPerItem;
  const items = new ItemTable();
  const sessionOf = new Map<string, number>();
  /** Per session: distinct items (first-touch order), the same as a set, items of all positive events. */
  const sessionItems: number[][] = [];
  const sessionHas: Array<Set<number>> = [];
  const clicks: number[][] = [];
  /** Per item: sessions in first-touch order; only the last `cap` are read, trimmed at 2 × cap. */
  const itemSessions: number[][] = [];
  /** Per session: sequence number of its last positive event (unique: "most recent" without ties). */
  let lastSeq = new Float64Array(1024);
  // Per-session scratch of one recommend(): similarity, and the latest shared position (0 = not a candidate).
  let sim = new Float64Array(1024);
  let sharedPos = new Int32Array(1024);
  let seq = 0;
  const visited = new Set<number>();
  const candidates: number[] = [];

  const positionWeight =
    options.weighting === 'div' ? (p: number, n: number) => p / n : (p: number, n: number) => Math.max(0, 1 - 0.1 * (n - p));

  const addSession = (userId: string): number => {
    const s = sessionItems.length;
    sessionOf.set(userId, s);
    sessionItems.push([]);
    sessionHas.push(new Set());
    clicks.push([]);
    if (s >= lastSeq.length) {
      const grown = new Float64Array(lastSeq.length * 2);
      grown.set(lastSeq);
      lastSeq = grown;
      sim = new Float64Array(grown.length);
      sharedPos = new Int32Array(grown.length);
    }
    return s;
  };

  /** The candidates kept, most recent `sampleSize`; then the `neighbours` most similar (ties: more recent). */
  const selectNeighbours = (): number[] => {
    let sample = candidates;
    if (sample.length > options.sampleSize) {
      const seqs = Float64Array.from(sample, (s) => lastSeq[s]!).sort();
      const oldestKept = seqs[seqs.length - options.sampleSize]!;
      sample = sample.filter((s) => lastSeq[s]! >= oldestKept);
    }
    const similar = sample.filter((s) => sim[s]! > 0);
    if (similar.length <= options.neighbours) return similar;
    const sims = Float64Array.from(similar, (s) => sim[s]!).sort();
    const kth = sims[sims.length - options.neighbours]!;
    const above = similar.filter((s) => sim[s]! > kth);
    const tied = similar.filter((s) => sim[s] === kth).sort((a, b) => lastSeq[b]! - lastSeq[a]!);
    return above.concat(tied.slice(0, options.neighbours - above.length));
  };

  return {
    name: 'vsknn',
    recommend(userId, k, exclude) {
      const s0 = sessionOf.get(userId);
      if (s0 === undefined) return items.topScored(k, exclude);
      const session = clicks[s0]!;
      const n = session.length;
      visited.clear();
      candidates.length = 0;
      for (let p = n; p >= 1; p--) {
        const i = session[p - 1]!;
        if (visited.has(i)) continue;
        visited.add(i);
        const w = positionWeight(p, n);
        const holders = itemSessions[i]!;
        for (let e = Math.max(0, holders.length - cap); e < holders.length; e++) {
          const s = holders[e]!;
          if (s === s0) continue;
          if (sharedPos[s] === 0) {
            candidates.push(s);
            sharedPos[s] = p; // positions are visited from the end: the first is the latest
          }
          sim[s]! += w;
        }
      }
      const distinct = visited.size;
      for (const s of selectNeighbours()) {
        const amount = sim[s]! / distinct / (n - sharedPos[s]! + 1);
        for (const j of sessionItems[s]!) items.addScore(j, amount);
      }
      for (const s of candidates) {
        sim[s] = 0;
        sharedPos[s] = 0;
      }
      return items.topScored(k, exclude);
    },
    learn(event: ClickEvent) {
      if (options.weights[event.type] <= 0) return;
      const j = items.intern(event.itemId);
      items.counts[j]! += 1;
      if (j === itemSessions.length) itemSessions.push([]);
      const s = sessionOf.get(event.userId) ?? addSession(event.userId);
      clicks[s]!.push(j);
      lastSeq[s] = ++seq;
      if (sessionHas[s]!.has(j)) return;
      sessionHas[s]!.add(j);
      sessionItems[s]!.push(j);
      const holders = itemSessions[j]!;
      holders.push(s);
      if (holders.length >= 2 * cap) holders.splice(0, holders.length - cap);
    },
    describe: () => ({
      neighbours: options.neighbours,
      sampleSize: options.sampleSize,
      weighting: options.weighting,
      sessionsPerItem: cap,
    }),
  };
}

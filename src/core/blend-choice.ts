/**
 * Which blend of the candidate sources ranks best on this stream, learned from the stream.
 *
 * The weight of the session-neighbour source that serves shop sessions best is the one that
 * hurts rating histories most (HR@10 over the reported 70% of each replay: synthetic stream B
 * 0.2139 at weight 30, 0.2217 at 100; MovieLens 100K 0.2095 at 30, 0.1858 at 100), so no one
 * constant serves every store. The model therefore ranks each user's candidates under a few
 * alternative weights (the sources are computed once; only the blend is repeated), serves the
 * alternative that has lately put the user's next item in its top `depth` most often, and
 * credits all of them whenever a user acts after a list: follow-the-leader over exponentially
 * discounted hits, a decision the stream's own feedback makes and keeps revising (a store's
 * behaviour can change). Until the first credit, and on ties, the initial alternative serves.
 */
export interface BlendChoiceParams {
  /** The session-neighbour weights tried (rerank.sessionWeight of each alternative). */
  sessionWeights: readonly number[];
  /** A credit's weight halves after about 0.69 × this many credited events (discount 1 − 1/memoryEvents). */
  memoryEvents: number;
  /** List positions a hit counts in: the list length stores show. */
  depth: number;
}

/**
 * A factor of ~3 either side of the weight chosen on the validation prefixes (30): the
 * per-file optima seen lie inside (MovieLens 10–30, DIGINETICA flat, synthetic streams 100).
 * memoryEvents 1,000: long enough that a few lucky hits do not flip the choice, short enough
 * to follow a stream within a few thousand events.
 */
export const DEFAULT_BLEND_CHOICE: BlendChoiceParams = Object.freeze({ sessionWeights: Object.freeze([10, 30, 100]), memoryEvents: 1000, depth: 10 });

/** The top `depth` of each alternative's list for one user, as itemHash values, in the order of the alternatives. */
export type AlternativeLists = readonly (readonly number[])[];

export interface BlendChooser {
  readonly alternatives: number;
  /** Index of the alternative to serve. */
  readonly chosen: number;
  /** Discounted hits per alternative. */
  readonly credits: readonly number[];
  /** Discounted hit rate per alternative (credits ÷ discounted lists credited): the live HR@depth, 0 before any credit. */
  hitRates(): number[];
  /** Credits the alternatives whose list held the item the user then acted on. */
  credit(lists: AlternativeLists, itemHash: number): void;
}

/** `initial`: the alternative served until the credits say otherwise (default: the middle one). */
export function createBlendChooser(params: BlendChoiceParams, initial = Math.floor((params.sessionWeights.length - 1) / 2)): BlendChooser {
  const n = Math.max(1, params.sessionWeights.length);
  const credits = new Array<number>(n).fill(0);
  const discount = 1 - 1 / Math.max(1, params.memoryEvents);
  let chosen = Math.min(n - 1, Math.max(0, initial));
  let credited = 0;
  return {
    alternatives: n,
    get chosen() {
      return chosen;
    },
    credits,
    hitRates: () => credits.map((c) => (credited > 0 ? c / credited : 0)),
    credit(lists, itemHash) {
      if (lists.length !== n) return;
      credited = discount * credited + 1;
      for (let a = 0; a < n; a++) {
        const list = lists[a]!;
        let hit = 0;
        for (let i = 0; i < list.length && i < params.depth; i++) {
          if (list[i] === itemHash) {
            hit = 1;
            break;
          }
        }
        credits[a] = discount * credits[a]! + hit;
      }
      // Follow the leader; the serving alternative keeps its place on a tie.
      for (let a = 0; a < n; a++) if (credits[a]! > credits[chosen]!) chosen = a;
    },
  };
}

/**
 * Users' alternative tops waiting for each user's next event (the credit), bounded: past
 * `maxUsers` the least recently kept is forgotten (3 alternatives × 10 hashes, ~0.2 KB a user).
 */
export interface PendingLists {
  readonly size: number;
  keep(userId: string, lists: AlternativeLists): void;
  /** The user's lists, removed; undefined when none wait. */
  take(userId: string): AlternativeLists | undefined;
}

export function createPendingLists(maxUsers: number): PendingLists {
  const byUser = new Map<string, AlternativeLists>();
  return {
    get size() {
      return byUser.size;
    },
    keep(userId, lists) {
      byUser.delete(userId);
      byUser.set(userId, lists);
      if (byUser.size > maxUsers) byUser.delete(byUser.keys().next().value!);
    },
    take(userId) {
      const lists = byUser.get(userId);
      if (lists !== undefined) byUser.delete(userId);
      return lists;
    },
  };
}

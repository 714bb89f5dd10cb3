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
  /** Per alternative, the weight of the last item's own rules (rerank.lastItemWeight); absent: 0 for all. */
  lastItemWeights?: readonly number[];
  /** A credit's weight halves after about 0.69 × this many credited events (discount 1 − 1/memoryEvents). */
  memoryEvents: number;
  /** List positions a hit counts in: the list length stores show. */
  depth: number;
}

/**
 * Session weights a factor of ~3 either side of the one chosen on the validation prefixes (30):
 * the per-file optima seen lie inside (MovieLens 10–30, DIGINETICA flat, synthetic streams 100).
 * The fourth alternative adds the last item's own rules at weight 10, for stores where what comes
 * next follows from the item just seen (accessories, series): on the first 30% of synthetic
 * streams with such order (`simulate --sequential 0.3 / 0.6`) it lifted HR@10 0.2302 → 0.2351 and
 * 0.3073 → 0.3184, and left ML-100K, DIGINETICA and four streams without order within 0.0001 (the
 * choice never served it there); as a fixed weight it cost ML-100K 0.011. The fifth weighs them
 * 30, for strongly ordered stores (`--sequential 0.9`): first 30%, a 100,000-event stream 0.4801 →
 * 0.4827 (MRR@10 0.3020 → 0.3136), eight other prefixes within −0.0003..+0.0005; 10 + last 100
 * instead: 0.4828, the others −0.0002..0. memoryEvents 1,000: long enough that a few lucky hits
 * do not flip the choice, short enough to follow a stream within a few thousand events.
 */
export const DEFAULT_BLEND_CHOICE: BlendChoiceParams = Object.freeze({
  sessionWeights: Object.freeze([10, 30, 100, 30, 30]),
  lastItemWeights: Object.freeze([0, 0, 0, 10, 30]),
  memoryEvents: 1000,
  depth: 10,
});

/** Each alternative's rerank weights, in order. */
export function blendAlternatives(params: BlendChoiceParams): Array<{ sessionWeight: number; lastItemWeight: number }> {
  return params.sessionWeights.map((sessionWeight, a) => ({ sessionWeight, lastItemWeight: params.lastItemWeights?.[a] ?? 0 }));
}

/** Each alternative's last-item weight, in order (0 where it has none). */
function lastItemWeightsOf(params: BlendChoiceParams): number[] {
  return blendAlternatives(params).map((b) => b.lastItemWeight);
}

/** Each alternative's name in metrics and logs: its session weight, with `+last` and the last item's weight when it has one. */
export function blendLabels(params: BlendChoiceParams): string[] {
  return blendAlternatives(params).map(({ sessionWeight, lastItemWeight }) => (lastItemWeight > 0 ? `${sessionWeight}+last${lastItemWeight}` : String(sessionWeight)));
}

/** The top `depth` of each alternative's list for one user, as itemHash values, in the order of the alternatives. */
export type AlternativeLists = readonly (readonly number[])[];

/** What a process saves so its successor starts from the evidence instead of from nothing. */
export interface BlendSnapshot {
  format: 'streamrec-blend';
  version: 1;
  sessionWeights: number[];
  /** Absent in snapshots of models without last-item alternatives: 0 for each. */
  lastItemWeights?: number[];
  credits: number[];
  /** Discounted count of lists credited. */
  credited: number;
  chosen: number;
}

/**
 * `value` as a snapshot for these params, or why it cannot be one (another set of alternatives,
 * another program's record, numbers that are not credits).
 */
export function blendSnapshotFor(value: unknown, params: BlendChoiceParams): BlendSnapshot | string {
  const v = value as Partial<BlendSnapshot> | null;
  if (v === null || typeof v !== 'object' || v.format !== 'streamrec-blend' || v.version !== 1) return 'not a streamrec blend snapshot (version 1)';
  const n = params.sessionWeights.length;
  if (!Array.isArray(v.sessionWeights) || v.sessionWeights.length !== n || v.sessionWeights.some((w, a) => w !== params.sessionWeights[a])) {
    return `saved for session weights ${JSON.stringify(v.sessionWeights)}, this model chooses between ${JSON.stringify(params.sessionWeights)}`;
  }
  const lastItemWeights = lastItemWeightsOf(params);
  const savedLast = v.lastItemWeights ?? new Array<number>(n).fill(0);
  if (!Array.isArray(savedLast) || savedLast.length !== n || savedLast.some((w, a) => w !== lastItemWeights[a])) {
    return `saved for last-item weights ${JSON.stringify(savedLast)}, this model chooses between ${JSON.stringify(lastItemWeights)}`;
  }
  const leader = leaderStateFor(v, n);
  if (typeof leader === 'string') return leader;
  return { format: 'streamrec-blend', version: 1, sessionWeights: [...params.sessionWeights], lastItemWeights, ...leader };
}

/** A saved leader's state (createLeaderChooser's `restored`) over `n` alternatives, or why `v` holds none. */
export function leaderStateFor(v: { credits?: unknown; credited?: unknown; chosen?: unknown }, n: number): { credits: number[]; credited: number; chosen: number } | string {
  const { credits, credited, chosen } = v;
  if (!Array.isArray(credits) || credits.length !== n || !credits.every((c) => typeof c === 'number' && Number.isFinite(c) && c >= 0)) return 'credits are not one non-negative number per alternative';
  if (typeof credited !== 'number' || !Number.isFinite(credited) || credited < 0 || credits.some((c) => (c as number) > credited + 1e-9)) return 'the count of credited lists is missing or below a credit';
  if (typeof chosen !== 'number' || !Number.isInteger(chosen) || chosen < 0 || chosen >= n) return 'the chosen alternative is not one of them';
  return { credits: [...(credits as number[])], credited, chosen };
}

/** The blend choice's leader (createLeaderChooser) and what its successor needs. */
export interface BlendChooser extends LeaderChooser {
  snapshot(): BlendSnapshot;
}

/**
 * `initial`: the alternative served until the credits say otherwise (default: the middle one of
 * those without the last item's rules); `restored`: a predecessor's snapshot (blendSnapshotFor),
 * whose credits and choice carry on.
 */
export function createBlendChooser(params: BlendChoiceParams, initial = middlePlain(params), restored?: BlendSnapshot): BlendChooser {
  const leader = createLeaderChooser({ alternatives: params.sessionWeights.length, memoryEvents: params.memoryEvents, depth: params.depth }, initial, restored);
  // The leader itself, its getters live, with the snapshot added.
  return Object.assign(leader, {
    snapshot: (): BlendSnapshot => ({
      format: 'streamrec-blend',
      version: 1,
      sessionWeights: [...params.sessionWeights],
      lastItemWeights: lastItemWeightsOf(params),
      credits: [...leader.credits],
      credited: leader.credited,
      chosen: leader.chosen,
    }),
  });
}

/** The middle one of the alternatives that do not weigh the last item's rules (0 when all do). */
function middlePlain(params: BlendChoiceParams): number {
  const plain = blendAlternatives(params).flatMap((b, a) => (b.lastItemWeight === 0 ? [a] : []));
  return plain[Math.floor((plain.length - 1) / 2)] ?? 0;
}

/** Follow-the-leader over discounted hits of `alternatives` lists (the blend choice, the cold choice). */
export interface LeaderChooser {
  readonly alternatives: number;
  /** Index of the alternative to serve. */
  readonly chosen: number;
  /** Discounted hits per alternative. */
  readonly credits: readonly number[];
  /** Discounted count of lists credited. */
  readonly credited: number;
  /** Discounted hit rate per alternative (credits ÷ discounted lists credited), 0 before any credit. */
  hitRates(): number[];
  /** Credits the alternatives whose top `depth` held the item the user then acted on. */
  credit(lists: AlternativeLists, itemHash: number): void;
}

export function createLeaderChooser(
  params: { alternatives: number; memoryEvents: number; depth: number },
  initial: number,
  restored?: { credits: readonly number[]; credited: number; chosen: number },
): LeaderChooser {
  const n = Math.max(1, params.alternatives);
  const credits = restored ? [...restored.credits] : new Array<number>(n).fill(0);
  const discount = 1 - 1 / Math.max(1, params.memoryEvents);
  let chosen = restored ? restored.chosen : Math.min(n - 1, Math.max(0, initial));
  let credited = restored ? restored.credited : 0;
  return {
    alternatives: n,
    get chosen() {
      return chosen;
    },
    credits,
    get credited() {
      return credited;
    },
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
 * `maxUsers` the least recently kept is forgotten (the default 5 alternatives × 10 hashes: ~0.86 KB a user with its id, 42.8 MB for 50,000 measured on Node 20; 36.0 MB with 4).
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

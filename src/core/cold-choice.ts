import { createLeaderChooser, leaderStateFor, type AlternativeLists } from './blend-choice.ts';
import type { FirstSeenSnapshot } from './first-seen.ts';
import { itemHash } from './item-hash.ts';
import { createTrending, type Trending, type TrendingSnapshot } from './trending.ts';

const DAY_MS = 86_400_000;

/**
 * Which popularity horizon serves users with no history (a session's first click: ~30% of the
 * test cases on shop clickstreams), learned from the stream. The horizon that serves them best
 * differs by store and grows with the stream's age: over the reported 70% of the replays, the
 * first-click hit rate@10 peaks at a 365-day half-life on the DIGINETICA sample (0.0151 vs
 * 0.0068 at 1 day) and at 7 days on MovieLens 100K (0.310 vs 0.214), while on the first 30%
 * 1 day leads or ties on five of six files. So the model keeps a trending tracker per horizon,
 * serves the one whose top `depth` has lately held what cold users clicked first most often,
 * and credits all of them with each cold user's first event: the blend choice's
 * follow-the-leader (blend-choice.ts), over first clicks.
 *
 * Newcomers' first clicks also follow their own popularity (landing pages, campaigns, a sign-up's
 * starter list): entry horizons count users' first positive events only. Cold cases' HR@10 over
 * whole replays, best horizon of every event vs best entry horizon: DIGINETICA 0.0124 vs 0.0191,
 * ML-100K 0.2651 vs 0.6076; on synthetic streams, whose first clicks are drawn like any other,
 * a little lower (0.1603 vs 0.1541), and the choice stays with every event's.
 */
export interface ColdChoiceParams {
  /** Trending half-lives tried, ms: popularity over every positive event. */
  halfLivesMs: readonly number[];
  /**
   * Half-lives of entry trackers, ms: popularity over users' first positive events only (what
   * newcomers click first: landing pages, campaigns, a sign-up's starter list), tried after
   * halfLivesMs; absent: none.
   */
  entryHalfLivesMs?: readonly number[];
  /** A credit's weight halves after about 0.69 × this many credited first clicks. */
  memoryEvents: number;
  /** List positions a hit counts in. */
  depth: number;
}

export const DEFAULT_COLD_CHOICE: ColdChoiceParams = Object.freeze({
  halfLivesMs: Object.freeze([1, 7, 30, 365].map((d) => d * DAY_MS)),
  entryHalfLivesMs: Object.freeze([7, 30, 365].map((d) => d * DAY_MS)),
  memoryEvents: 1000,
  depth: 10,
});

/** One horizon: its half-life, and whether it counts first events only (an entry tracker). */
export interface ColdHorizon {
  halfLifeMs: number;
  entry: boolean;
}

/** The horizons of `params` in the order the choice keeps them: every event's first, then the entry trackers. */
export function coldHorizons(params: ColdChoiceParams): ColdHorizon[] {
  return [...params.halfLivesMs.map((halfLifeMs) => ({ halfLifeMs, entry: false })), ...(params.entryHalfLivesMs ?? []).map((halfLifeMs) => ({ halfLifeMs, entry: true }))];
}

/** What metrics read: the horizon serving cold users, and per horizon (coldHorizons' order) its discounted hit rate. */
export interface ColdState {
  halfLifeMs: number;
  /** True when the served horizon counts users' first events only. */
  entry: boolean;
  horizons: readonly ColdHorizon[];
  hitRates: number[];
}

export interface ColdChoice {
  /**
   * Every positive event, as trending takes it; the process's own trending is fed where it
   * always was. `entry`: the event is its user's first (the entry trackers count only those).
   */
  add(itemId: string, ts: number, weight: number, entry: boolean): void;
  /** The tracker serving cold users now. */
  served(): Trending;
  /** Each horizon's top `depth` passing `accept`, as itemHash values, in coldHorizons' order. */
  lists(accept: (itemId: string) => boolean): number[][];
  /** A cold user then acted on `itemId` after `lists`: credits the horizons whose top held it. */
  credit(lists: AlternativeLists, itemId: string): void;
  readonly state: ColdState;
  /**
   * What a successor needs to carry on: the credits and choice, and each own horizon's best
   * `itemsPerHorizon` scores (the main horizon is the process's trending, rebuilt elsewhere).
   */
  snapshot(itemsPerHorizon: number): ColdChoiceSnapshot;
}

/** A cold choice as saved: the leader's state and, per horizon in halfLivesMs order, its tracker (null for the main one). */
export interface ColdChoiceSnapshot {
  format: 'streamrec-cold';
  version: 1;
  halfLivesMs: number[];
  /** Absent in snapshots of choices without entry trackers: none. */
  entryHalfLivesMs?: number[];
  credits: number[];
  credited: number;
  chosen: number;
  /** One per horizon, in coldHorizons' order (null for the main one). */
  trackers: Array<TrendingSnapshot | null>;
}

/**
 * A saved cold choice and, per clickstream partition, the offset after the last event its
 * horizons hold: whoever restores it skips the events below (they are counted in it already).
 */
export interface ColdRestore {
  snapshot: ColdChoiceSnapshot;
  nextOffsets: ReadonlyMap<number, number>;
  /**
   * The users whose events the entry horizons had read (first-seen.ts), so a visitor returning
   * after a restart is not taken for a newcomer because the lookback missed their earlier visits.
   * Absent when none was saved or it could not be used: users are then remembered from the lookback only.
   */
  users?: FirstSeenSnapshot;
}

/**
 * `value` as a snapshot this choice can carry on from, or why not: the same horizons, the main
 * one null and the others trackers of their half-life, credits and scores finite and non-negative.
 */
export function coldSnapshotFor(value: unknown, params: ColdChoiceParams, mainHalfLifeMs: number): ColdChoiceSnapshot | string {
  const v = value as Partial<ColdChoiceSnapshot> | null;
  if (v === null || typeof v !== 'object' || v.format !== 'streamrec-cold' || v.version !== 1) return 'not a streamrec cold-choice snapshot (version 1)';
  if (!sameNumbers(v.halfLivesMs, params.halfLivesMs)) {
    return `saved for horizons ${JSON.stringify(v.halfLivesMs)} ms, this model chooses between ${JSON.stringify(params.halfLivesMs)} ms`;
  }
  const entry = params.entryHalfLivesMs ?? [];
  if (!sameNumbers(v.entryHalfLivesMs ?? [], entry)) {
    return `saved for entry horizons ${JSON.stringify(v.entryHalfLivesMs ?? [])} ms, this model chooses between ${JSON.stringify(entry)} ms`;
  }
  const horizons = coldHorizons(params);
  const n = horizons.length;
  const leader = leaderStateFor(v, n);
  if (typeof leader === 'string') return leader;
  const { trackers } = v;
  if (!Array.isArray(trackers) || trackers.length !== n) return 'not one tracker per horizon';
  for (let a = 0; a < n; a++) {
    const t = trackers[a];
    const { halfLifeMs: h, entry: first } = horizons[a]!;
    const name = `${first ? 'entry ' : ''}${h} ms horizon`;
    if (isMain(horizons[a]!, mainHalfLifeMs)) {
      if (t !== null) return `the tracker of the main horizon (${h} ms) is saved; it is rebuilt from the clickstream instead`;
      continue;
    }
    const why = trackerProblem(t, h);
    if (why) return `tracker of the ${name}: ${why}`;
  }
  return { format: 'streamrec-cold', version: 1, halfLivesMs: [...params.halfLivesMs], entryHalfLivesMs: [...entry], ...leader, trackers: trackers as Array<TrendingSnapshot | null> };
}

function sameNumbers(a: unknown, b: readonly number[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The process's trending is the tracker of the every-event horizon of its half-life. */
function isMain(h: ColdHorizon, mainHalfLifeMs: number): boolean {
  return !h.entry && h.halfLifeMs === mainHalfLifeMs;
}

function trackerProblem(t: unknown, halfLifeMs: number): string | undefined {
  const v = t as Partial<TrendingSnapshot> | null;
  if (v === null || typeof v !== 'object' || v.format !== 'streamrec-trending' || v.version !== 1) return 'not a trending snapshot (version 1)';
  if (v.halfLifeMs !== halfLifeMs) return `half-life ${String(v.halfLifeMs)} ms`;
  if (!Number.isFinite(v.anchorTs) || !Number.isFinite(v.nowTs)) return 'its times are not numbers';
  if (!Array.isArray(v.scores) || !v.scores.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'number' && Number.isFinite(e[1]) && e[1] >= 0)) {
    return 'scores are not [item id, non-negative number] pairs';
  }
  return undefined;
}

/**
 * `main`: the process's trending (its half-life `mainHalfLifeMs`), used as the tracker of that
 * horizon instead of a copy, and served until the credits say otherwise; the other horizons get
 * trackers of their own (memory: one score per item seen, per horizon).
 */
export function createColdChoice(params: ColdChoiceParams, main: () => Trending, mainHalfLifeMs: number, restored?: ColdChoiceSnapshot): ColdChoice {
  const horizons = coldHorizons(params);
  // Read for their top `depth` only: a short ordered cache keeps each add cheap (trending.ts).
  const own = horizons.map((h, a) => (isMain(h, mainHalfLifeMs) ? undefined : createTrending(h.halfLifeMs, restored?.trackers[a] ?? undefined, 4 * params.depth)));
  const trackerAt = (a: number): Trending => own[a] ?? main();
  const initial = Math.max(0, horizons.findIndex((h) => isMain(h, mainHalfLifeMs)));
  const chooser = createLeaderChooser({ alternatives: horizons.length, memoryEvents: params.memoryEvents, depth: params.depth }, initial, restored);
  return {
    add(itemId, ts, weight, entry) {
      for (let a = 0; a < own.length; a++) if (entry || !horizons[a]!.entry) own[a]?.add(itemId, ts, weight);
    },
    served: () => trackerAt(chooser.chosen),
    lists: (accept) => horizons.map((_, a) => trackerAt(a).top(params.depth, accept).map((t) => itemHash(t.itemId))),
    credit: (lists, itemId) => chooser.credit(lists, itemHash(itemId)),
    get state() {
      const served = horizons[chooser.chosen]!;
      return { halfLifeMs: served.halfLifeMs, entry: served.entry, horizons, hitRates: chooser.hitRates() };
    },
    snapshot: (itemsPerHorizon) => ({
      format: 'streamrec-cold',
      version: 1,
      halfLivesMs: [...params.halfLivesMs],
      entryHalfLivesMs: [...(params.entryHalfLivesMs ?? [])],
      credits: [...chooser.credits],
      credited: chooser.credited,
      chosen: chooser.chosen,
      trackers: own.map((t) => (t ? t.toJSON(itemsPerHorizon) : null)),
    }),
  };
}

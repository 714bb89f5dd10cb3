import { createLeaderChooser, type AlternativeLists } from './blend-choice.ts';
import { itemHash } from './item-hash.ts';
import { createTrending, type Trending } from './trending.ts';

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
 */
export interface ColdChoiceParams {
  /** Trending half-lives tried, ms. */
  halfLivesMs: readonly number[];
  /** A credit's weight halves after about 0.69 × this many credited first clicks. */
  memoryEvents: number;
  /** List positions a hit counts in. */
  depth: number;
}

export const DEFAULT_COLD_CHOICE: ColdChoiceParams = Object.freeze({ halfLivesMs: Object.freeze([1, 7, 30, 365].map((d) => d * DAY_MS)), memoryEvents: 1000, depth: 10 });

/** What metrics read: the half-life serving cold users, and per horizon its discounted hit rate. */
export interface ColdState {
  halfLifeMs: number;
  halfLivesMs: readonly number[];
  hitRates: number[];
}

export interface ColdChoice {
  /** Every positive event, as trending takes it; the process's own trending is fed where it always was. */
  add(itemId: string, ts: number, weight: number): void;
  /** The tracker serving cold users now. */
  served(): Trending;
  /** Each horizon's top `depth` passing `accept`, as itemHash values, in the order of halfLivesMs. */
  lists(accept: (itemId: string) => boolean): number[][];
  /** A cold user then acted on `itemId` after `lists`: credits the horizons whose top held it. */
  credit(lists: AlternativeLists, itemId: string): void;
  readonly state: ColdState;
}

/**
 * `main`: the process's trending (its half-life `mainHalfLifeMs`), used as the tracker of that
 * horizon instead of a copy, and served until the credits say otherwise; the other horizons get
 * trackers of their own (memory: one score per item seen, per horizon).
 */
export function createColdChoice(params: ColdChoiceParams, main: () => Trending, mainHalfLifeMs: number): ColdChoice {
  // Read for their top `depth` only: a short ordered cache keeps each add cheap (trending.ts).
  const own = params.halfLivesMs.map((h) => (h === mainHalfLifeMs ? undefined : createTrending(h, undefined, 4 * params.depth)));
  const trackerAt = (a: number): Trending => own[a] ?? main();
  const initial = Math.max(0, params.halfLivesMs.indexOf(mainHalfLifeMs));
  const chooser = createLeaderChooser({ alternatives: params.halfLivesMs.length, memoryEvents: params.memoryEvents, depth: params.depth }, initial);
  return {
    add(itemId, ts, weight) {
      for (const t of own) t?.add(itemId, ts, weight);
    },
    served: () => trackerAt(chooser.chosen),
    lists: (accept) => params.halfLivesMs.map((_, a) => trackerAt(a).top(params.depth, accept).map((t) => itemHash(t.itemId))),
    credit: (lists, itemId) => chooser.credit(lists, itemHash(itemId)),
    get state() {
      return { halfLifeMs: params.halfLivesMs[chooser.chosen]!, halfLivesMs: params.halfLivesMs, hitRates: chooser.hitRates() };
    },
  };
}

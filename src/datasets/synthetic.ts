import type { ClickEvent, EventType } from '../core/events.ts';
import { createRandom } from '../core/random.ts';

/**
 * A seeded synthetic clickstream with known structure, for tests and the demo data.
 *
 * Planted: items belong to `clusters` taste clusters (item factor = its cluster's one-hot
 * direction; the cluster is the ground truth an embedding should recover). Each user likes
 * 1-2 clusters (user factor = a mixture of them). Popularity is Zipf-skewed (item of
 * popularity rank r has weight r^-zipfExponent) and so is user activity. Users act in
 * sessions of geometric length (mean `meanSessionLength`) within one liked cluster, with a
 * view → click → add_to_cart → purchase funnel and a few remove_from_cart / dislike events;
 * with probability `noise` an event picks any item by popularity instead. A share
 * `newItemShare` of the items is not there at the start and arrives at a uniformly random
 * time. At `driftAt` (a fraction of the time span) a share `driftShare` of the users
 * switches to clusters they did not like before. With `sequential` > 0, order matters too: every
 * item has SUCCESSORS items of its cluster (drawn by popularity) that tend to follow it (an
 * accessory after the product, the next part of a series), and each event after a session's
 * first is, with that probability, one of the previous item's successors. Everything derives
 * from `seed`; with `sequential` 0 the stream is the one earlier versions made for that seed.
 */
export interface SyntheticOptions {
  users: number;
  items: number;
  events: number;
  seed: number;
  clusters: number;
  zipfExponent: number;
  meanSessionLength: number;
  noise: number;
  newItemShare: number;
  driftAt: number;
  driftShare: number;
  /** Probability that an event after a session's first follows the previous item's successor rule. */
  sequential: number;
  startTs: number;
  spanMs: number;
}

export const DEFAULT_SYNTHETIC_OPTIONS: SyntheticOptions = {
  users: 1000,
  items: 500,
  events: 30_000,
  seed: 42,
  clusters: 10,
  zipfExponent: 0.8,
  meanSessionLength: 6,
  noise: 0.1,
  newItemShare: 0.2,
  driftAt: 0.5,
  driftShare: 0.5,
  sequential: 0,
  startTs: Date.UTC(2026, 0, 1),
  spanMs: 28 * 86_400_000,
};

export interface SyntheticTruth {
  /** Event time of the taste change, and the index of the first event at or after it. */
  driftTs: number;
  driftEventIndex: number;
  clusterOfItem: Map<string, number>;
  arrivalTsOfItem: Map<string, number>;
  /** Liked clusters before and after the drift (equal for users that do not drift). */
  tastes: Map<string, { before: number[]; after: number[] }>;
}


/** Samples indices in proportion to fixed weights (binary search on the cumulative sums). */
function createSampler(weights: readonly number[], random: () => number): () => number {
  const cumulative = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => (cumulative[i] = sum += w));
  return () => {
    const target = random() * sum;
    let lo = 0;
    let hi = weights.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

function shuffled(n: number, random: () => number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function pickDistinct(count: number, from: number, random: () => number, avoid: readonly number[] = []): number[] {
  const pool = shuffled(from, random).filter((c) => !avoid.includes(c));
  return pool.slice(0, Math.max(1, Math.min(count, pool.length)));
}

/** Successors per item when `sequential` > 0. */
const SUCCESSORS = 3;

const FUNNEL: ReadonlyArray<[EventType, number]> = [
  ['view', 0.62],
  ['click', 0.22],
  ['add_to_cart', 0.08],
  ['purchase', 0.05],
  ['remove_from_cart', 0.02],
  ['dislike', 0.01],
];

export function generateSynthetic(partial: Partial<SyntheticOptions> = {}): { events: ClickEvent[]; truth: SyntheticTruth } {
  const o = { ...DEFAULT_SYNTHETIC_OPTIONS, ...partial };
  const random = createRandom(o.seed);
  const clusters = Math.max(1, Math.min(o.clusters, o.items));
  const driftTs = o.startTs + Math.floor(o.spanMs * o.driftAt);

  // Items: cluster, popularity rank (random, so popularity does not follow the id), arrival.
  const itemIds = Array.from({ length: o.items }, (_, i) => `i${i + 1}`);
  const clusterOf = itemIds.map(() => Math.floor(random() * clusters));
  const rankOf = shuffled(o.items, random);
  const arrivalTs = itemIds.map(() => (random() < o.newItemShare ? o.startTs + Math.floor(random() * o.spanMs) : o.startTs));
  const membersOf: number[][] = Array.from({ length: clusters }, () => []);
  clusterOf.forEach((c, i) => membersOf[c]!.push(i));
  const popularity = rankOf.map((r) => (r + 1) ** -o.zipfExponent);
  const clusterSamplers = membersOf.map((members) => createSampler(members.map((i) => popularity[i]!), random));
  const anyItem = createSampler(popularity, random);

  // Users: 1-2 liked clusters; the drifting ones get new, previously unliked clusters.
  const userIds = Array.from({ length: o.users }, (_, u) => `u${u + 1}`);
  const tastes = userIds.map(() => {
    const before = pickDistinct(random() < 0.5 ? 1 : 2, clusters, random);
    const drifts = random() < o.driftShare && clusters > before.length;
    return { before, after: drifts ? pickDistinct(before.length, clusters, random, before) : before };
  });
  const activity = createSampler(shuffled(o.users, random).map((r) => (r + 1) ** -0.5), random);
  const funnel = createSampler(FUNNEL.map(([, p]) => p), random);

  const pickItem = (cluster: number, ts: number): number => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const i = random() < o.noise ? anyItem() : membersOf[cluster]![clusterSamplers[cluster]!()]!;
      if (arrivalTs[i]! <= ts) return i;
    }
    return membersOf[cluster]!.find((i) => arrivalTs[i] === o.startTs) ?? 0;
  };

  // Drawn only when used, so a stream without order keeps the random sequence (and file) it had.
  const successorsOf = o.sequential > 0 ? itemIds.map((_, i) => Array.from({ length: SUCCESSORS }, () => membersOf[clusterOf[i]!]![clusterSamplers[clusterOf[i]!]!()]!)) : [];
  const follow = (previous: number, ts: number): number | undefined => {
    const next = successorsOf[previous]![Math.floor(random() * SUCCESSORS)]!;
    return arrivalTs[next]! <= ts ? next : undefined;
  };

  const raw: Array<Omit<ClickEvent, 'eventId'>> = [];
  const sessionsOf = new Map<number, number>();
  while (raw.length < o.events) {
    const u = activity();
    const session = (sessionsOf.get(u) ?? 0) + 1;
    sessionsOf.set(u, session);
    let ts = o.startTs + Math.floor(random() * o.spanMs);
    const liked = ts >= driftTs ? tastes[u]!.after : tastes[u]!.before;
    const cluster = liked[Math.floor(random() * liked.length)]!;
    const length = Math.min(o.events - raw.length, 1 + Math.floor(Math.log(1 - random()) / Math.log(1 - 1 / o.meanSessionLength)));
    let previous = -1;
    for (let s = 0; s < length; s++) {
      const followed = previous >= 0 && o.sequential > 0 && random() < o.sequential ? follow(previous, ts) : undefined;
      const item = followed ?? pickItem(cluster, ts);
      previous = item;
      raw.push({ userId: userIds[u]!, itemId: itemIds[item]!, type: FUNNEL[funnel()]![0], ts, sessionId: `${userIds[u]}-s${session}` });
      ts += 5_000 + Math.floor(random() * 115_000);
    }
  }
  raw.sort((a, b) => a.ts - b.ts);
  const events = raw.map((e, n) => ({ eventId: `sim${o.seed}-${n + 1}`, ...e }));
  const firstAfter = events.findIndex((e) => e.ts >= driftTs);
  return {
    events,
    truth: {
      driftTs,
      driftEventIndex: firstAfter < 0 ? events.length : firstAfter,
      clusterOfItem: new Map(itemIds.map((id, i) => [id, clusterOf[i]!])),
      arrivalTsOfItem: new Map(itemIds.map((id, i) => [id, arrivalTs[i]!])),
      tastes: new Map(userIds.map((id, u) => [id, tastes[u]!])),
    },
  };
}

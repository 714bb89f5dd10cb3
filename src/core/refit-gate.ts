import { createRandom } from './random.ts';
import { dot, type Vector } from './vector.ts';

/**
 * The release check a refit passes before it replaces the served item vectors (the canary of
 * a model update): both versions rank the most recent transitions of the stream (a user's
 * previous positive item → their next one), and a candidate that does markedly worse than the
 * version it would replace is held back. It guards against a broken refit (a degenerate
 * factorisation, non-finite values, a space collapsed by a data fault), not against noise:
 * the bar is a relative drop, and the candidate has seen these transitions while the served
 * version saw only some, so the check leans towards the candidate.
 *
 * Each transition's target is ranked against `negatives` items drawn from the recent targets
 * (so in proportion to recent popularity), the same draw for both versions, by the inner
 * product of factors (what the index ranks by). A sampled hit rate, cheap enough to run on
 * every refit of every replay: 1,000 transitions × 101 dot products.
 */
export interface RefitGateParams {
  /** Most recent transitions remembered to judge a refit. */
  transitions: number;
  /** Items each target is ranked against. */
  negatives: number;
  /** A hit: the target within the first `k` of 1 + negatives. */
  k: number;
  /** A candidate whose hit rate is below (1 − maxDrop) × the served version's is held back; 1 turns the quality check off. */
  maxDrop: number;
  /** With fewer transitions both versions can rank, the quality check passes (finite vectors are still required). */
  minTransitions: number;
  seed: number;
}

export const DEFAULT_REFIT_GATE: RefitGateParams = Object.freeze({
  transitions: 1000,
  negatives: 100,
  k: 10,
  maxDrop: 0.5,
  minTransitions: 200,
  seed: 7,
});

export interface RefitVerdict {
  readonly accepted: boolean;
  /** Why a candidate was held back (undefined when accepted). */
  readonly reason?: 'non-finite' | 'quality';
  /** Sampled hit rates over the judged transitions (NaN when none could be judged). */
  readonly candidateHitRate: number;
  readonly servedHitRate: number;
  /** Transitions both versions could rank. */
  readonly judged: number;
}

/** Remembers the most recent transitions, oldest overwritten first. */
export interface TransitionLog {
  add(from: string, to: string): void;
  readonly size: number;
  /** Oldest first. */
  forEach(fn: (from: string, to: string) => void): void;
}

export function createTransitionLog(capacity: number): TransitionLog {
  const cap = Math.max(1, capacity);
  const froms: string[] = [];
  const tos: string[] = [];
  let next = 0;
  return {
    add(from, to) {
      froms[next] = from;
      tos[next] = to;
      next = (next + 1) % cap;
    },
    get size() {
      return froms.length;
    },
    forEach(fn) {
      const n = froms.length;
      const start = n < cap ? 0 : next;
      for (let i = 0; i < n; i++) {
        const at = (start + i) % n;
        fn(froms[at]!, tos[at]!);
      }
    },
  };
}

/**
 * Judges `candidate` against `served` (factors by item id) on the logged transitions. With
 * nothing served (a first refit) only finiteness is checked.
 */
export function judgeRefit(candidate: ReadonlyMap<string, Vector>, served: ReadonlyMap<string, Vector>, log: TransitionLog, params: RefitGateParams): RefitVerdict {
  for (const v of candidate.values()) {
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]!)) return { accepted: false, reason: 'non-finite', candidateHitRate: Number.NaN, servedHitRate: Number.NaN, judged: 0 };
    }
  }
  if (served.size === 0 || params.maxDrop >= 1) return { accepted: true, candidateHitRate: Number.NaN, servedHitRate: Number.NaN, judged: 0 };
  // Negatives come from the recent targets both versions know, so neither is judged on items it cannot place.
  const pool: string[] = [];
  log.forEach((_, to) => {
    if (candidate.has(to) && served.has(to)) pool.push(to);
  });
  const random = createRandom(params.seed);
  let judged = 0;
  let candidateHits = 0;
  let servedHits = 0;
  const negatives: string[] = [];
  log.forEach((from, to) => {
    // A transition the served version cannot rank says nothing of the candidate's quality
    // relative to it; one only the candidate cannot rank counts against it.
    if (from === to || !served.has(from) || !served.has(to) || pool.length === 0) return;
    negatives.length = 0;
    for (let i = 0; i < params.negatives; i++) {
      const item = pool[Math.floor(random() * pool.length)]!;
      if (item !== to) negatives.push(item);
    }
    judged++;
    if (isHit(served, from, to, negatives, params.k)) servedHits++;
    if (candidate.has(from) && candidate.has(to) && isHit(candidate, from, to, negatives, params.k)) candidateHits++;
  });
  const candidateHitRate = judged > 0 ? candidateHits / judged : Number.NaN;
  const servedHitRate = judged > 0 ? servedHits / judged : Number.NaN;
  if (judged < params.minTransitions) return { accepted: true, candidateHitRate, servedHitRate, judged };
  const accepted = candidateHitRate >= (1 - params.maxDrop) * servedHitRate;
  return accepted ? { accepted, candidateHitRate, servedHitRate, judged } : { accepted, reason: 'quality', candidateHitRate, servedHitRate, judged };
}

/** True when fewer than `k` negatives score at least the target (ties count against it: a collapsed space hits nothing). */
function isHit(factors: ReadonlyMap<string, Vector>, from: string, to: string, negatives: readonly string[], k: number): boolean {
  const query = factors.get(from)!;
  const target = dot(query, factors.get(to)!);
  let above = 0;
  for (const item of negatives) {
    if (dot(query, factors.get(item)!) >= target && ++above >= k) return false;
  }
  return true;
}

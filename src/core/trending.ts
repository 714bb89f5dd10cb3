import { kthLargest } from './index-common.ts';

/**
 * Decayed popularity: score(i, t) = Σ w_e · 2^(-(t - t_e) / halfLife) over positive events e
 * of item i. Scores are stored anchored, as Σ w_e · 2^((t_e - anchorTs) / halfLife), so an update
 * touches one item only: the stored value of an item never changes unless it gets an event,
 * and the common decay factor 2^(-(t - anchorTs) / halfLife) does not change the order. That makes an exact top-N cache
 * cheap to maintain. Time is event time (the newest event seen), so replays are deterministic.
 */
export interface TrendingItem {
  itemId: string;
  score: number;
}

export interface TrendingSnapshot {
  format: 'streamrec-trending';
  version: 1;
  halfLifeMs: number;
  anchorTs: number;
  nowTs: number;
  /** [itemId, anchored score] pairs. */
  scores: Array<[string, number]>;
}

export interface Trending {
  readonly halfLifeMs: number;
  readonly size: number;
  /** Newest event time seen; scores are reported as of this time. */
  readonly nowTs: number;
  /** Adds `weight` at event time `ts`; non-positive weights are ignored (popularity counts interest only). */
  add(itemId: string, ts: number, weight?: number): void;
  remove(itemId: string): void;
  score(itemId: string): number;
  /** Up to n items, best first, that pass `accept`. */
  top(n: number, accept?: (itemId: string) => boolean): TrendingItem[];
  /** Every score, or with `limit` only the `limit` highest (a snapshot that serves tops, bounded in size). */
  toJSON(limit?: number): TrendingSnapshot;
}

// Re-anchor before 2^exponent gets near the float64 range (2^1023).
const MAX_EXPONENT = 512;
const TOP_CACHE = 512;

/**
 * `topCache`: how many of the best items stay ordered as scores change (top() past it, or past
 * what `accept` rejects of it, sorts every score). An add that moves an item up shifts the
 * cached items it passes, so a tracker read only for a short list keeps a short cache.
 */
export function createTrending(halfLifeMs: number, snapshot?: TrendingSnapshot, topCache: number = TOP_CACHE): Trending {
  if (!(halfLifeMs > 0)) throw new RangeError(`halfLifeMs must be positive, got ${halfLifeMs}`);
  const scores = new Map<string, number>();
  let anchorTs = 0;
  let nowTs = 0;
  let anchored = false;
  if (snapshot) {
    if (snapshot.format !== 'streamrec-trending' || snapshot.version !== 1) throw new RangeError('not a streamrec trending snapshot (version 1)');
    anchorTs = snapshot.anchorTs;
    nowTs = snapshot.nowTs;
    anchored = snapshot.scores.length > 0;
    for (const [id, s] of snapshot.scores) scores.set(id, s);
  }
  // Best-first ids of the top-N by anchored score; undefined means "rebuild on next query".
  let cache: string[] | undefined;
  // Their anchored scores, position by position (non-increasing): an update finds its place by
  // binary search instead of a score lookup per position passed.
  let cacheScores: number[] = [];
  // The same ids as a set: most events are for items outside the top-N, and telling that
  // from a 512-entry scan per event was ~2% of the learner's CPU.
  const cached = new Set<string>();

  const factorAt = (ts: number) => 2 ** ((ts - anchorTs) / halfLifeMs);
  // 1 / factorAt(nowTs), kept because a list re-ranks ~50 candidates with score() and a
  // power per call was ~5% of the learner's CPU; NaN means "recompute".
  let scaleNow = Number.NaN;
  const currentScale = () => (Number.isNaN(scaleNow) ? (scaleNow = 1 / factorAt(nowTs)) : scaleNow);

  function reanchor(ts: number): void {
    const f = 1 / factorAt(ts);
    for (const [id, s] of scores) scores.set(id, s * f);
    for (let i = 0; i < cacheScores.length; i++) cacheScores[i] = cacheScores[i]! * f;
    anchorTs = ts;
    scaleNow = Number.NaN;
  }

  function rebuild(): string[] {
    const all = Array.from(scores.entries()).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const top = all.slice(0, topCache);
    cached.clear();
    for (const [id] of top) cached.add(id);
    cacheScores = top.map(([, s]) => s);
    return top.map(([id]) => id);
  }

  /** First position in [0, end) whose cached score is below s (positions before it stay ahead of an item scoring s). */
  function placeFor(s: number, end: number): number {
    let lo = 0;
    let hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cacheScores[mid]! < s) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** `itemId`'s anchored score went from `before` to `s` (before < s: anchored scores only grow). */
  function touchCache(itemId: string, before: number, s: number): void {
    if (!cache) return;
    let at = -1;
    if (cached.has(itemId)) {
      // Its old score sits in a run of equal scores that starts where scores drop to `before`.
      for (let i = placeFor(before, cache.length) - 1; i >= 0 && cacheScores[i] === before; i--) {
        if (cache[i] === itemId) {
          at = i;
          break;
        }
      }
      if (at < 0) at = cache.indexOf(itemId);
    } else if (cache.length >= topCache && s <= cacheScores[cache.length - 1]!) {
      return;
    }
    // The item moves up, behind every item scoring at least s; nothing else changes order.
    const pos = placeFor(s, at >= 0 ? at : cache.length);
    if (at >= 0) {
      cache.copyWithin(pos + 1, pos, at);
      cacheScores.copyWithin(pos + 1, pos, at);
      cache[pos] = itemId;
      cacheScores[pos] = s;
    } else {
      cache.splice(pos, 0, itemId);
      cacheScores.splice(pos, 0, s);
      cached.add(itemId);
      if (cache.length > topCache) {
        cached.delete(cache.pop()!);
        cacheScores.pop();
      }
    }
  }

  return {
    halfLifeMs,
    get size() {
      return scores.size;
    },
    get nowTs() {
      return nowTs;
    },
    add(itemId, ts, weight = 1) {
      if (!(weight > 0) || !Number.isFinite(ts)) return;
      if (!anchored) {
        anchorTs = ts;
        anchored = true;
        scaleNow = Number.NaN;
      }
      if ((ts - anchorTs) / halfLifeMs > MAX_EXPONENT) {
        reanchor(ts);
      }
      if (ts > nowTs) {
        nowTs = ts;
        scaleNow = Number.NaN;
      }
      const before = scores.get(itemId) ?? 0;
      const s = before + weight * factorAt(ts);
      scores.set(itemId, s);
      touchCache(itemId, before, s);
    },
    remove(itemId) {
      if (scores.delete(itemId)) {
        cache = undefined;
        cached.clear();
      }
    },
    score(itemId) {
      const s = scores.get(itemId);
      return s === undefined ? 0 : s * currentScale();
    },
    top(n, accept) {
      if (n <= 0 || scores.size === 0) return [];
      cache ??= rebuild();
      const scale = currentScale();
      const out: TrendingItem[] = [];
      const pick = (ids: Iterable<string>): boolean => {
        for (const id of ids) {
          if (accept && !accept(id)) continue;
          out.push({ itemId: id, score: scores.get(id)! * scale });
          if (out.length >= n) return true;
        }
        return false;
      };
      if (pick(cache) || cache.length >= scores.size) return out;
      // The filter rejected too much of the cache: fall back to a full ordered scan.
      out.length = 0;
      pick(Array.from(scores.entries()).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id));
      return out;
    },
    toJSON(limit) {
      let entries: Array<[string, number]>;
      const keep = limit === undefined ? scores.size : Math.max(0, Math.floor(limit));
      if (scores.size <= keep) entries = Array.from(scores.entries());
      else if (keep === 0) entries = [];
      else {
        // A selection, not a sort, and forEach, not an iterator: an API saves this every minute
        // on the thread that serves (200,000 items: 7–13 ms, where a heap of string ids took 33–56 ms).
        const values = new Float64Array(scores.size);
        let i = 0;
        scores.forEach((s) => {
          values[i++] = s;
        });
        const threshold = kthLargest(values, keep);
        const picked: Array<[string, number]> = [];
        scores.forEach((s, id) => {
          if (s > threshold) picked.push([id, s]);
        });
        scores.forEach((s, id) => {
          if (picked.length < keep && s === threshold) picked.push([id, s]);
        });
        entries = picked;
      }
      return { format: 'streamrec-trending', version: 1, halfLifeMs, anchorTs, nowTs, scores: entries };
    },
  };
}

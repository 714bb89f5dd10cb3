import type { Neighbour } from './ann-index.ts';
import type { CoVisitationCandidates, CoVisitationScoring } from './co-visitation.ts';
import type { Trending } from './trending.ts';

/**
 * Nearest neighbours are fetched `candidates` deep, then ranked by
 * cosine + trendingWeight · trending(item) / trending(top item): similarity proposes,
 * current popularity breaks near-ties between similar items.
 */
export interface RerankParams {
  candidates: number;
  trendingWeight: number;
  /** Weight of the co-visitation score (normalised to the best candidate's) when `neighbours` is given. */
  coVisitationWeight?: number;
  /** Weight of the cosine to the query when `neighbours` is given (the search alone ranks by cosine only). */
  embeddingWeight?: number;
  coVisitation?: CoVisitationScoring;
  /** Weight of the session-neighbourhood score (a distribution, like co-visitation's) when `sessions` is given. */
  sessionWeight?: number;
  /**
   * Weight of the last item's own rules (CoVisitationCandidates.last, the next-item distribution
   * sequential rules rank by) on top of the co-visitation score of the recent items; 0 by default.
   */
  lastItemWeight?: number;
}

/**
 * What the candidate sources proposed for one user, one row per item (the search's hits first,
 * in its order, then the rules' new ones, then the sessions'), read once however many blends
 * rank it. Absent components are NaN.
 */
export class Proposals {
  private readonly ids: string[] = [];
  private readonly cos: number[] = [];
  private readonly rule: number[] = [];
  private readonly next: number[] = [];
  private readonly session: number[] = [];
  private readonly trend: number[] = [];
  private readonly found: number;
  private readonly floor: number;
  private readonly support: number;
  private readonly rules: number;
  private readonly sessions: number;
  private topTrending: number | undefined;
  /** Each row's boost, read once (NaN: not read yet). */
  private readonly boost: number[] = [];

  constructor(
    found: readonly Neighbour[],
    covis: CoVisitationCandidates | undefined,
    sessions: Map<string, number> | undefined,
    private readonly trending: Trending,
    private readonly boostOf?: (itemId: string) => number,
  ) {
    const rowOf = new Map<string, number>();
    const row = (id: string): number => {
      let r = rowOf.get(id);
      if (r === undefined) {
        r = this.ids.length;
        rowOf.set(id, r);
        this.ids.push(id);
        this.cos.push(Number.NaN);
        this.rule.push(Number.NaN);
        this.next.push(0);
        this.session.push(Number.NaN);
        this.trend.push(Number.NaN);
        this.boost.push(Number.NaN);
      }
      return r;
    };
    for (const n of found) this.cos[row(n.itemId)] = n.score;
    if (covis) {
      for (const [id, c] of covis.scores) this.rule[row(id)] = c;
      for (const [id, c] of covis.last) this.next[row(id)] = c;
    }
    if (sessions) for (const [id, c] of sessions) this.session[row(id)] = c;
    this.found = found.length;
    this.floor = found.length > 0 ? found[found.length - 1]!.score : 0;
    this.support = covis?.support ?? 1;
    this.rules = covis?.scores.size ?? 0;
    this.sessions = sessions?.size ?? 0;
  }

  /** `final` with each promoted row lifted by its boost × boostSpread of the rows' scores (a copy when any is). */
  private boosted(rows: readonly number[], final: number[]): number[] {
    let any = false;
    for (const r of rows) {
      if (Number.isNaN(this.boost[r]!)) this.boost[r] = this.boostOf!(this.ids[r]!);
      if (this.boost[r]! > 0) any = true;
    }
    if (!any) return final;
    const lift = boostSpread(rows.map((r) => final[r]!));
    const out = final.slice();
    for (const r of rows) if (this.boost[r]! > 0) out[r] = final[r]! + this.boost[r]! * lift;
    return out;
  }

  /**
   * The top k under one blend. Candidates of every source scored together: embeddingWeight ·
   * support · cosine + coVisitationWeight · co-visitation + sessionWeight · session neighbours,
   * support being how well the user's recent items are known (co-visitation.ts; 1 without
   * rules). A candidate the search did not return is given the lowest cosine the search
   * returned (it is no closer than that), so no extra vector reads are needed. Then the
   * trending re-rank: + trendingWeight · trending(item) / trending(top item), ties in the
   * blend's order, when there are more than k candidates (or, with `trendingWhateverK`, more
   * than one: then the order does not depend on k). Without rules or sessions to blend, the
   * search's order and cosines stand.
   */
  rank(rerank: RerankParams | undefined, k: number, trendingWhateverK = false): Neighbour[] {
    const ws = rerank?.sessionWeight ?? 0;
    const withSessions = ws > 0 && this.sessions > 0;
    const blended = this.rules > 0 || withSessions;
    const { ids } = this;
    const rows: number[] = [];
    const score: number[] = new Array<number>(ids.length);
    if (!blended) {
      for (let r = 0; r < this.found; r++) {
        rows.push(r);
        score[r] = this.cos[r]!;
      }
    } else {
      const we = (rerank?.embeddingWeight ?? 1) * this.support;
      const wc = rerank?.coVisitationWeight ?? 1;
      const wl = rerank?.lastItemWeight ?? 0;
      for (let r = 0; r < ids.length; r++) {
        const inFound = r < this.found;
        const hasRule = !Number.isNaN(this.rule[r]!);
        const hasSession = withSessions && !Number.isNaN(this.session[r]!);
        if (!inFound && !hasRule && !hasSession) continue;
        // Summed in the order the sources are read: the cosine (or floor), rules, sessions.
        let v = we * (inFound ? this.cos[r]! : this.floor);
        if (hasRule) v += wc * this.rule[r]!;
        if (hasRule && wl !== 0) v += wl * this.next[r]!;
        if (hasSession) v += ws * this.session[r]!;
        rows.push(r);
        score[r] = v;
      }
    }
    let final = score;
    if (rerank && rerank.trendingWeight !== 0 && rows.length > (trendingWhateverK ? 1 : k)) {
      this.topTrending ??= this.trending.top(1)[0]?.score ?? 0;
      if (this.topTrending > 0) {
        const w = rerank.trendingWeight / this.topTrending;
        final = new Array<number>(ids.length);
        for (const r of rows) {
          if (Number.isNaN(this.trend[r]!)) this.trend[r] = this.trending.score(ids[r]!);
          final[r] = score[r]! + w * this.trend[r]!;
        }
      }
    }
    if (this.boostOf && rows.length > 1) final = this.boosted(rows, final);
    // The first k by (final score, blend score, then the item id, or the search's order when
    // nothing was blended): what sorting by the blend and then, stably, by the re-ranked score gives.
    const ahead = (a: number, b: number): boolean => {
      if (final[a] !== final[b]) return final[a]! > final[b]!;
      if (score[a] !== score[b]) return score[a]! > score[b]!;
      return blended ? ids[a]! < ids[b]! : a < b;
    };
    const top: number[] = [];
    for (const r of rows) {
      if (top.length >= k && !ahead(r, top[top.length - 1]!)) continue;
      let at = top.length < k ? top.length : top.length - 1;
      while (at > 0 && ahead(r, top[at - 1]!)) {
        if (at < k) top[at] = top[at - 1]!;
        at--;
      }
      if (at < k) top[at] = r;
    }
    return top.map((r) => ({ itemId: ids[r]!, score: final[r]! }));
  }
}

/**
 * What boost 1 adds: the best score less the BOOST_SPREAD_DEPTH-th best (a hair more, so boost
 * 1 puts an item from there above every candidate without a boost, not level with the best).
 * The same depth as a stored ranking (2 × DEFAULT_K), so a search and a stored ranking lift alike.
 */
export function boostSpread(scores: number[]): number {
  const sorted = scores.slice().sort((a, b) => b - a);
  const hi = sorted[0]!;
  const lo = sorted[Math.min(sorted.length, BOOST_SPREAD_DEPTH) - 1]!;
  // Candidates that all score alike still let a boost order them.
  return (hi > lo ? hi - lo : Math.max(Math.abs(hi), 1e-9)) * (1 + 1e-6);
}

const BOOST_SPREAD_DEPTH = 20;

import { TopK } from '../../core/index-common.ts';

/**
 * What the count-based baselines share: item ids interned to dense indexes, each item's
 * number of positive events, and a scratch score per item that a recommend() call adds to
 * and topScored() reads and clears. Arrays grow by doubling; read `counts` after intern().
 */
export class ItemTable {
  readonly ids: string[] = [];
  counts = new Float64Array(1024);
  private scores = new Float64Array(1024);
  private readonly touched: number[] = [];
  private readonly indexOf = new Map<string, number>();

  get size(): number {
    return this.ids.length;
  }

  find(itemId: string): number | undefined {
    return this.indexOf.get(itemId);
  }

  intern(itemId: string): number {
    let ix = this.indexOf.get(itemId);
    if (ix === undefined) {
      ix = this.ids.length;
      this.indexOf.set(itemId, ix);
      this.ids.push(itemId);
      if (ix >= this.counts.length) {
        const grown = new Float64Array(this.counts.length * 2);
        grown.set(this.counts);
        this.counts = grown;
        this.scores = new Float64Array(grown.length);
      }
    }
    return ix;
  }

  /** `amount` must be positive (a zero score marks an untouched item). */
  addScore(ix: number, amount: number): void {
    if (this.scores[ix] === 0) this.touched.push(ix);
    this.scores[ix]! += amount;
  }

  /**
   * The k best-scored items not excluded, best first, then the most popular ones if fewer
   * than k had a score (so every model answers every test case); clears the scores.
   */
  topScored(k: number, exclude: ReadonlySet<string>): string[] {
    const top = new TopK(k);
    for (const j of this.touched) {
      const id = this.ids[j]!;
      if (top.wouldAccept(this.scores[j]!) && !exclude.has(id)) top.push(id, this.scores[j]!);
      this.scores[j] = 0;
    }
    this.touched.length = 0;
    const list = top.sorted().map((x) => x.itemId);
    return list.length < k ? list.concat(this.popular(k - list.length, exclude, new Set(list))) : list;
  }

  /** The `n` most popular items not excluded and not taken, best first. */
  private popular(n: number, exclude: ReadonlySet<string>, taken: ReadonlySet<string>): string[] {
    const fill = new TopK(n);
    const { ids, counts } = this;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (fill.wouldAccept(counts[i]!) && !exclude.has(id) && !taken.has(id)) fill.push(id, counts[i]!);
    }
    return fill.sorted().map((x) => x.itemId);
  }
}

/**
 * A sparse row of an item × item matrix: parallel typed arrays for fast scans (scoring
 * touches every entry) plus a slot map for O(1) updates.
 */
export class SparseRow {
  ids = new Int32Array(8);
  weights = new Float64Array(8);
  size = 0;
  private readonly slot = new Map<number, number>();

  add(id: number, amount: number): void {
    const at = this.slot.get(id);
    if (at !== undefined) {
      this.weights[at]! += amount;
      return;
    }
    if (this.size === this.ids.length) {
      const ids = new Int32Array(this.size * 2);
      ids.set(this.ids);
      const weights = new Float64Array(this.size * 2);
      weights.set(this.weights);
      this.ids = ids;
      this.weights = weights;
    }
    this.slot.set(id, this.size);
    this.ids[this.size] = id;
    this.weights[this.size] = amount;
    this.size++;
  }
}

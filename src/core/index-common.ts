import type { Neighbour } from './ann-index.ts';
import { StreamrecError } from '../errors.ts';
import type { Vector } from './vector.ts';

/** Both index twins store unit vectors (cosine space) and refuse vectors they cannot rank. */
export function checkIndexVector(itemId: string, vector: Vector, dim: number): void {
  if (vector.length !== dim) {
    throw new StreamrecError('BAD_ARGUMENT', `vector of item ${itemId} has dimension ${vector.length}, the index has ${dim}`, {
      hint: 'train the model and configure EMBEDDING_DIM with the same dimension',
    });
  }
  let sq = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i]!;
    if (!Number.isFinite(x)) throw new StreamrecError('BAD_ARGUMENT', `vector of item ${itemId} has a non-finite component at ${i}`);
    sq += x * x;
  }
  if (sq === 0) throw new StreamrecError('BAD_ARGUMENT', `vector of item ${itemId} is all zeros and has no direction to rank by`);
}

/** Writes v / |v| into out at offset; returns false (and writes nothing) for a zero vector. */
export function normalizeInto(v: Vector, out: Float32Array, offset: number): boolean {
  let sq = 0;
  for (let i = 0; i < v.length; i++) sq += v[i]! * v[i]!;
  if (!(sq > 0) || !Number.isFinite(sq)) return false;
  const inv = 1 / Math.sqrt(sq);
  for (let i = 0; i < v.length; i++) out[offset + i] = v[i]! * inv;
  return true;
}

/** True when the vector has a finite, non-zero length (a direction to search by). */
export function hasDirection(v: Vector): boolean {
  let sq = 0;
  for (let i = 0; i < v.length; i++) sq += v[i]! * v[i]!;
  return sq > 0 && Number.isFinite(sq);
}

/** Bounded min-heap keeping the k best scores seen. */
export class TopK {
  private readonly scores: number[] = [];
  private readonly ids: string[] = [];
  constructor(private readonly k: number) {}

  get length(): number {
    return this.scores.length;
  }

  wouldAccept(score: number): boolean {
    return this.k > 0 && (this.scores.length < this.k || score > this.scores[0]!);
  }

  push(id: string, score: number): void {
    if (!this.wouldAccept(score)) return;
    if (this.scores.length < this.k) {
      this.scores.push(score);
      this.ids.push(id);
      this.siftUp(this.scores.length - 1);
    } else {
      this.scores[0] = score;
      this.ids[0] = id;
      this.siftDown(0);
    }
  }

  /** Each kept entry, in no particular order (no sort, no allocation: for callers that rank later anyway). */
  forEach(fn: (id: string, score: number) => void): void {
    for (let i = 0; i < this.scores.length; i++) fn(this.ids[i]!, this.scores[i]!);
  }

  /** Best first. */
  sorted(): Neighbour[] {
    const out = this.scores.map((score, i) => ({ itemId: this.ids[i]!, score }));
    return out.sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1));
  }

  private swap(i: number, j: number): void {
    const s = this.scores[i]!;
    this.scores[i] = this.scores[j]!;
    this.scores[j] = s;
    const id = this.ids[i]!;
    this.ids[i] = this.ids[j]!;
    this.ids[j] = id;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.scores[p]! <= this.scores[i]!) return;
      this.swap(i, p);
      i = p;
    }
  }

  private siftDown(i: number): void {
    const n = this.scores.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.scores[l]! < this.scores[m]!) m = l;
      if (r < n && this.scores[r]! < this.scores[m]!) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

/** The k-th largest value (1-based) of `values` (reordered in place): Hoare's quickselect, O(n) expected. */
export function kthLargest(values: Float64Array, k: number): number {
  const target = values.length - k; // the k-th largest is the (n − k)-th smallest, 0-based
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return values[target]!;
}

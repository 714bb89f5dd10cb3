import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import type { Cooccurrence } from './cooccurrence.ts';
import { createRandom } from './random.ts';

/** Symmetric sparse matrix in CSR form over a vocabulary of n rows. */
export interface Csr {
  n: number;
  rowStart: Int32Array;
  cols: Int32Array;
  values: Float32Array;
}

export type Normalisation = 'cosine' | 'ppmi';

export interface SimilarityParams {
  normalisation: Normalisation;
  /** PPMI: context distribution smoothing exponent (word2vec uses 0.75). */
  smoothing: number;
  /** PPMI: subtract log(shift) (SPPMI); 1 means no shift. */
  shift: number;
}

/**
 * Normalised co-occurrence over `vocab` (co-occurrence item numbers, one row each):
 * cosine S_ij = C_ij / sqrt(n_i n_j), or positive PMI max(0, log(C_ij · T / (n_i · n_j^α)) − log shift).
 */
export function similarityMatrix(cooc: Cooccurrence, vocab: readonly number[], params: SimilarityParams): Csr {
  const n = vocab.length;
  const row = new Map<number, number>();
  vocab.forEach((item, r) => row.set(item, r));
  const marg = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (const [c, w] of cooc.rowOf(vocab[r]!) ?? []) if (row.has(c)) s += w;
    marg[r] = s;
  }
  let smoothedTotal = 0;
  for (let r = 0; r < n; r++) smoothedTotal += marg[r]! ** params.smoothing;
  const rowStart = new Int32Array(n + 1);
  const cols: number[] = [];
  const values: number[] = [];
  const logShift = Math.log(params.shift);
  for (let r = 0; r < n; r++) {
    rowStart[r] = cols.length;
    for (const [c, wrc] of cooc.rowOf(vocab[r]!) ?? []) {
      const k = row.get(c);
      if (k === undefined || marg[r] === 0 || marg[k] === 0) continue;
      // Pruning (cooccurrence.ts) may have dropped one direction of a pair: symmetrise.
      const w = (wrc + (cooc.rowOf(c)?.get(vocab[r]!) ?? 0)) / 2;
      let v: number;
      if (params.normalisation === 'cosine') v = w / Math.sqrt(marg[r]! * marg[k]!);
      else v = Math.log((w * smoothedTotal) / (marg[r]! * marg[k]! ** params.smoothing)) - logShift;
      if (!(v > 0)) continue;
      cols.push(k);
      values.push(v);
    }
  }
  rowStart[n] = cols.length;
  return { n, rowStart, cols: Int32Array.from(cols), values: Float32Array.from(values) };
}

/** out = S · X for a dense n×d row-major X. */
function multiply(s: Csr, x: Float64Array, d: number, out: Float64Array): void {
  out.fill(0);
  for (let r = 0; r < s.n; r++) {
    const o = r * d;
    for (let p = s.rowStart[r]!; p < s.rowStart[r + 1]!; p++) {
      const v = s.values[p]!;
      const xo = s.cols[p]! * d;
      for (let j = 0; j < d; j++) out[o + j] = out[o + j]! + v * x[xo + j]!;
    }
  }
}

/** Modified Gram-Schmidt on the d columns of a row-major n×d matrix, in place. */
function orthonormalize(x: Float64Array, n: number, d: number, next: () => number): void {
  for (let j = 0; j < d; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dotJk = 0;
        for (let r = 0; r < n; r++) dotJk += x[r * d + j]! * x[r * d + k]!;
        for (let r = 0; r < n; r++) x[r * d + j] = x[r * d + j]! - dotJk * x[r * d + k]!;
      }
    }
    let sq = 0;
    for (let r = 0; r < n; r++) sq += x[r * d + j]! ** 2;
    if (sq < 1e-20) {
      // A degenerate direction: restart it from noise so the basis keeps full rank.
      for (let r = 0; r < n; r++) x[r * d + j] = next() - 0.5;
      j--;
      continue;
    }
    const inv = 1 / Math.sqrt(sq);
    for (let r = 0; r < n; r++) x[r * d + j] = x[r * d + j]! * inv;
  }
}

export interface EigenResult {
  /** n×d row-major eigenvectors, columns ordered by decreasing eigenvalue. */
  vectors: Float64Array;
  values: Float64Array;
  d: number;
}

/**
 * Top-d eigenpairs (largest algebraic) of a symmetric sparse matrix by randomized subspace
 * iteration with Rayleigh-Ritz: cost per iteration is nnz·(d+p) plus n·(d+p)² for the
 * orthonormalisation. Deterministic for a given seed.
 */
export function topEigenpairs(s: Csr, d: number, options: { iterations?: number; oversample?: number; seed?: number; onIteration?: (done: number, total: number) => void } = {}): EigenResult {
  const n = s.n;
  const iterations = options.iterations ?? 8;
  const b = Math.min(n, d + (options.oversample ?? 10));
  const next = createRandom(options.seed ?? 1);
  let x = new Float64Array(n * b);
  for (let i = 0; i < x.length; i++) x[i] = next() - 0.5;
  orthonormalize(x, n, b, next);
  let y = new Float64Array(n * b);
  for (let it = 0; it < iterations; it++) {
    multiply(s, x, b, y);
    [x, y] = [y, x];
    orthonormalize(x, n, b, next);
    options.onIteration?.(it + 1, iterations);
  }
  multiply(s, x, b, y);
  // T = Xᵀ S X (b×b), eigen-decomposed; Ritz vectors X·U.
  const t = new Matrix(b, b);
  for (let i = 0; i < b; i++) {
    for (let j = i; j < b; j++) {
      let sum = 0;
      for (let r = 0; r < n; r++) sum += x[r * b + i]! * y[r * b + j]!;
      t.set(i, j, sum);
      t.set(j, i, sum);
    }
  }
  const eig = new EigenvalueDecomposition(t, { assumeSymmetric: true });
  const order = eig.realEigenvalues.map((v, i) => [v, i] as const).sort((p, q) => q[0] - p[0]);
  const dd = Math.min(d, b);
  const u = eig.eigenvectorMatrix;
  const vectors = new Float64Array(n * dd);
  const values = new Float64Array(dd);
  for (let c = 0; c < dd; c++) {
    const [val, src] = order[c]!;
    values[c] = val;
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let k = 0; k < b; k++) sum += x[r * b + k]! * u.get(k, src);
      vectors[r * dd + c] = sum;
    }
  }
  return { vectors, values, d: dd };
}

/**
 * Orthogonal R (d×d) minimising ‖A·R − B‖ (Procrustes), for rows of A and B that describe
 * the same items: rotating a refit onto the previous factors keeps user vectors, which are
 * sums of old item vectors, meaningful after the refit.
 */
export function procrustes(a: Float64Array, b: Float64Array, rows: number, d: number): Matrix {
  const m = new Matrix(d, d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += a[r * d + i]! * b[r * d + j]!;
      m.set(i, j, sum);
    }
  }
  const svd = new SingularValueDecomposition(m);
  return svd.leftSingularVectors.mmul(svd.rightSingularVectors.transpose());
}


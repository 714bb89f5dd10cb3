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
  // Row of each co-occurrence item number, -1 outside the vocabulary.
  const rowOfItem = new Int32Array(cooc.itemCount).fill(-1);
  vocab.forEach((item, r) => (rowOfItem[item] = r));
  // The in-vocabulary entries of every row, in the row map's order (the order every sum below keeps).
  const rawStart = new Int32Array(n + 1);
  let rawCols: Int32Array = new Int32Array(1024);
  let rawWeights: Float64Array = new Float64Array(1024);
  let raw = 0;
  const marg = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    rawStart[r] = raw;
    let sum = 0;
    cooc.rowOf(vocab[r]!)?.forEach((w, c) => {
      const k = c < rowOfItem.length ? rowOfItem[c]! : -1;
      if (k < 0) return;
      if (raw === rawCols.length) {
        rawCols = grownInt32(rawCols);
        rawWeights = grownFloat64(rawWeights);
      }
      rawCols[raw] = k;
      rawWeights[raw] = w;
      raw++;
      sum += w;
    });
    marg[r] = sum;
  }
  rawStart[n] = raw;
  // Transpose: entry (r, k) is found in row k of the transpose, so reading the weight of the
  // reverse pair (k, r) needs no map lookup.
  const tStart = new Int32Array(n + 1);
  for (let p = 0; p < raw; p++) tStart[rawCols[p]! + 1] = tStart[rawCols[p]! + 1]! + 1;
  for (let r = 0; r < n; r++) tStart[r + 1] = tStart[r + 1]! + tStart[r]!;
  const tFill = tStart.slice(0, n);
  const tRows = new Int32Array(raw);
  const tWeights = new Float64Array(raw);
  for (let r = 0; r < n; r++) {
    for (let p = rawStart[r]!; p < rawStart[r + 1]!; p++) {
      const k = rawCols[p]!;
      const at = tFill[k]!;
      tFill[k] = at + 1;
      tRows[at] = r;
      tWeights[at] = rawWeights[p]!;
    }
  }
  let smoothedTotal = 0;
  for (let r = 0; r < n; r++) smoothedTotal += marg[r]! ** params.smoothing;
  const rowStart = new Int32Array(n + 1);
  const cols = new Int32Array(raw);
  const values = new Float32Array(raw);
  let nnz = 0;
  const logShift = Math.log(params.shift);
  // reverse[k] = weight of the pair (k, r) for the current row r, 0 when absent.
  const reverse = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    rowStart[r] = nnz;
    for (let p = tStart[r]!; p < tStart[r + 1]!; p++) reverse[tRows[p]!] = tWeights[p]!;
    for (let p = rawStart[r]!; p < rawStart[r + 1]!; p++) {
      const k = rawCols[p]!;
      if (marg[r] === 0 || marg[k] === 0) continue;
      // Pruning (cooccurrence.ts) may have dropped one direction of a pair: symmetrise.
      const w = (rawWeights[p]! + reverse[k]!) / 2;
      let v: number;
      if (params.normalisation === 'cosine') v = w / Math.sqrt(marg[r]! * marg[k]!);
      else v = Math.log((w * smoothedTotal) / (marg[r]! * marg[k]! ** params.smoothing)) - logShift;
      if (!(v > 0)) continue;
      cols[nnz] = k;
      values[nnz] = v;
      nnz++;
    }
    for (let p = tStart[r]!; p < tStart[r + 1]!; p++) reverse[tRows[p]!] = 0;
  }
  rowStart[n] = nnz;
  return { n, rowStart, cols: cols.slice(0, nnz), values: values.slice(0, nnz) };
}

function grownInt32(a: Int32Array): Int32Array {
  const out = new Int32Array(a.length * 2);
  out.set(a);
  return out;
}

function grownFloat64(a: Float64Array): Float64Array {
  const out = new Float64Array(a.length * 2);
  out.set(a);
  return out;
}

/**
 * out = S · X for a dense n×d row-major X. Eight output columns at a time in registers, each
 * summed over the row's entries in order: the same sums as one running total per entry of out.
 */
function multiply(s: Csr, x: Float64Array, d: number, out: Float64Array): void {
  const { n, rowStart, cols, values } = s;
  for (let r = 0; r < n; r++) {
    const o = r * d;
    const start = rowStart[r]!;
    const end = rowStart[r + 1]!;
    let j = 0;
    for (; j + 8 <= d; j += 8) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let a4 = 0;
      let a5 = 0;
      let a6 = 0;
      let a7 = 0;
      for (let p = start; p < end; p++) {
        const v = values[p]!;
        const xo = cols[p]! * d + j;
        a0 += v * x[xo]!;
        a1 += v * x[xo + 1]!;
        a2 += v * x[xo + 2]!;
        a3 += v * x[xo + 3]!;
        a4 += v * x[xo + 4]!;
        a5 += v * x[xo + 5]!;
        a6 += v * x[xo + 6]!;
        a7 += v * x[xo + 7]!;
      }
      out[o + j] = a0;
      out[o + j + 1] = a1;
      out[o + j + 2] = a2;
      out[o + j + 3] = a3;
      out[o + j + 4] = a4;
      out[o + j + 5] = a5;
      out[o + j + 6] = a6;
      out[o + j + 7] = a7;
    }
    for (; j < d; j++) {
      let a = 0;
      for (let p = start; p < end; p++) a += values[p]! * x[cols[p]! * d + j]!;
      out[o + j] = a;
    }
  }
}

/**
 * An orthonormal basis of the span of the d columns of a row-major n×d matrix, in place, columns
 * in order. Cholesky QR: XᵀX = RᵀR, then X ← X·R⁻¹, n·d² multiply-adds over rows read front to
 * back (two-pass Gram-Schmidt takes 2·n·d² over strided columns). Its loss of orthogonality grows
 * with the square of X's condition number, so a column that is nearly a combination of the
 * earlier ones (its pivot below PIVOT_FLOOR of its own length², condition ≳ 10⁴) sends the whole
 * matrix to Gram-Schmidt instead, which also restarts a degenerate column from noise.
 */
function orthonormalize(x: Float64Array, n: number, d: number, next: () => number): void {
  const r = choleskyOfGram(x, n, d);
  if (r === undefined) {
    gramSchmidt(x, n, d, next);
    return;
  }
  // X ← X·R⁻¹ row by row: y_j = Σ_{k≤j} x_k · R⁻¹_kj, over (R⁻¹)ᵀ so each sum reads contiguous
  // memory, in four running sums (one sum would wait on its previous add at every term).
  const invT = transposed(upperInverse(r, d), d);
  const y = new Float64Array(d);
  for (let row = 0; row < n; row++) {
    const at = row * d;
    for (let j = 0; j < d; j++) {
      const col = j * d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k + 4 <= j + 1; k += 4) {
        s0 += x[at + k]! * invT[col + k]!;
        s1 += x[at + k + 1]! * invT[col + k + 1]!;
        s2 += x[at + k + 2]! * invT[col + k + 2]!;
        s3 += x[at + k + 3]! * invT[col + k + 3]!;
      }
      for (; k <= j; k++) s0 += x[at + k]! * invT[col + k]!;
      y[j] = s0 + s1 + s2 + s3;
    }
    x.set(y, at);
  }
}

function transposed(m: Float64Array, d: number): Float64Array {
  const t = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) t[j * d + i] = m[i * d + j]!;
  return t;
}

/** The inverse of an upper-triangular d×d row-major R with a positive diagonal (upper-triangular too). */
function upperInverse(r: Float64Array, d: number): Float64Array {
  const inv = new Float64Array(d * d);
  // Column j of R⁻¹ by back substitution: R · u = e_j, u_i = 0 below j.
  for (let j = 0; j < d; j++) {
    inv[j * d + j] = 1 / r[j * d + j]!;
    for (let i = j - 1; i >= 0; i--) {
      let v = 0;
      for (let k = i + 1; k <= j; k++) v += r[i * d + k]! * inv[k * d + j]!;
      inv[i * d + j] = -v / r[i * d + i]!;
    }
  }
  return inv;
}

/** Relative pivot below which Cholesky QR would lose orthogonality (see orthonormalize). */
const PIVOT_FLOOR = 1e-8;

/** Upper-triangular R (d×d row-major) with RᵀR = XᵀX; undefined when a pivot falls below PIVOT_FLOOR. */
function choleskyOfGram(x: Float64Array, n: number, d: number): Float64Array | undefined {
  const g = transposeTimes(x, x, n, d, true);
  for (let j = 0; j < d; j++) {
    const own = g[j * d + j]!;
    let pivot = own;
    for (let k = 0; k < j; k++) pivot -= g[k * d + j]! ** 2;
    if (!(pivot > PIVOT_FLOOR * own)) return undefined;
    const rjj = Math.sqrt(pivot);
    g[j * d + j] = rjj;
    for (let c = j + 1; c < d; c++) {
      let v = g[j * d + c]!;
      for (let k = 0; k < j; k++) v -= g[k * d + j]! * g[k * d + c]!;
      g[j * d + c] = v / rjj;
    }
  }
  return g;
}

/**
 * Modified Gram-Schmidt on the d columns of a row-major n×d matrix, in place, twice over. Works
 * on a column-major copy so every sum runs down contiguous memory, in the same order as over the rows.
 */
function gramSchmidt(x: Float64Array, n: number, d: number, next: () => number): void {
  const cm = new Float64Array(n * d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) cm[j * n + r] = x[r * d + j]!;
  for (let j = 0; j < d; j++) {
    const cj = j * n;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const ck = k * n;
        let dotJk = 0;
        for (let r = 0; r < n; r++) dotJk += cm[cj + r]! * cm[ck + r]!;
        for (let r = 0; r < n; r++) cm[cj + r] = cm[cj + r]! - dotJk * cm[ck + r]!;
      }
    }
    let sq = 0;
    for (let r = 0; r < n; r++) sq += cm[cj + r]! ** 2;
    if (sq < 1e-20) {
      // A degenerate direction: restart it from noise so the basis keeps full rank.
      for (let r = 0; r < n; r++) cm[cj + r] = next() - 0.5;
      j--;
      continue;
    }
    const inv = 1 / Math.sqrt(sq);
    for (let r = 0; r < n; r++) cm[cj + r] = cm[cj + r]! * inv;
  }
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) x[r * d + j] = cm[j * n + r]!;
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
 * orthonormalisation. Deterministic for a given seed. `start` (n × columns, row-major): columns
 * to begin from instead of noise, such as the previous refit's factors, which leaves fewer
 * iterations to converge.
 */
export function topEigenpairs(
  s: Csr,
  d: number,
  options: { iterations?: number; oversample?: number; seed?: number; onIteration?: (done: number, total: number) => void; start?: { columns: number; values: Float64Array } } = {},
): EigenResult {
  const n = s.n;
  const iterations = options.iterations ?? 8;
  const b = Math.min(n, d + (options.oversample ?? 10));
  const next = createRandom(options.seed ?? 1);
  let x = new Float64Array(n * b);
  for (let i = 0; i < x.length; i++) x[i] = next() - 0.5;
  const start = options.start;
  if (start) {
    const cols = Math.min(start.columns, b);
    let scale = 0;
    for (const v of start.values) scale = Math.max(scale, Math.abs(v));
    // The start's columns, a little noise kept so rows it does not know are not all zero.
    if (scale > 0) for (let r = 0; r < n; r++) for (let c = 0; c < cols; c++) x[r * b + c] = start.values[r * start.columns + c]! / scale + 1e-3 * x[r * b + c]!;
  }
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
  const tSums = transposeTimes(x, y, n, b, true);
  const t = new Matrix(b, b);
  for (let i = 0; i < b; i++) {
    for (let j = i; j < b; j++) {
      t.set(i, j, tSums[i * b + j]!);
      t.set(j, i, tSums[i * b + j]!);
    }
  }
  const eig = new EigenvalueDecomposition(t, { assumeSymmetric: true });
  const order = eig.realEigenvalues.map((v, i) => [v, i] as const).sort((p, q) => q[0] - p[0]);
  const dd = Math.min(d, b);
  const u = eig.eigenvectorMatrix;
  const vectors = new Float64Array(n * dd);
  const values = new Float64Array(dd);
  const uColumn = new Float64Array(b);
  for (let c = 0; c < dd; c++) {
    const [val, src] = order[c]!;
    values[c] = val;
    for (let k = 0; k < b; k++) uColumn[k] = u.get(k, src);
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let k = 0; k < b; k++) sum += x[r * b + k]! * uColumn[k]!;
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
  const sums = transposeTimes(a, b, rows, d, false);
  const m = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m.set(i, j, sums[i * d + j]!);
  const svd = new SingularValueDecomposition(m);
  return svd.leftSingularVectors.mmul(svd.rightSingularVectors.transpose());
}


/**
 * Aᵀ·B (d×d, row-major) of row-major A and B with `rows` rows of d; `upper`: only entries j ≥ i.
 * Four rows at a time: each entry of the sums is read and written once per four products (the
 * loop is bound by those loads and stores, not by the multiplies), A and B read front to back.
 */
function transposeTimes(a: Float64Array, b: Float64Array, rows: number, d: number, upper: boolean): Float64Array {
  const sums = new Float64Array(d * d);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const r0 = r * d;
    const r1 = r0 + d;
    const r2 = r1 + d;
    const r3 = r2 + d;
    for (let i = 0; i < d; i++) {
      const a0 = a[r0 + i]!;
      const a1 = a[r1 + i]!;
      const a2 = a[r2 + i]!;
      const a3 = a[r3 + i]!;
      const si = i * d;
      for (let j = upper ? i : 0; j < d; j++) sums[si + j]! += a0 * b[r0 + j]! + a1 * b[r1 + j]! + a2 * b[r2 + j]! + a3 * b[r3 + j]!;
    }
  }
  for (; r < rows; r++) {
    const at = r * d;
    for (let i = 0; i < d; i++) {
      const ai = a[at + i]!;
      const si = i * d;
      for (let j = upper ? i : 0; j < d; j++) sums[si + j]! += ai * b[at + j]!;
    }
  }
  return sums;
}

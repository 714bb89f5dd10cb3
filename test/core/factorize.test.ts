import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { createCooccurrence } from '../../src/core/cooccurrence.ts';
import { createRandom } from '../../src/core/random.ts';
import { procrustes, similarityMatrix, topEigenpairs, type Csr } from '../../src/core/factorize.ts';

function denseToCsr(m: number[][]): Csr {
  const n = m.length;
  const rowStart = new Int32Array(n + 1);
  const cols: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < n; r++) {
    rowStart[r] = cols.length;
    m[r]!.forEach((v, c) => {
      if (v !== 0) {
        cols.push(c);
        values.push(v);
      }
    });
  }
  rowStart[n] = cols.length;
  return { n, rowStart, cols: Int32Array.from(cols), values: Float32Array.from(values) };
}

describe('co-occurrence counting', () => {
  it('pairs each interaction with the previous `window` items, newest weighted most, symmetric', () => {
    const c = createCooccurrence({ window: 2, recencyDecay: 0.5 });
    c.observe('d', ['a', 'b', 'c'], 1);
    const n = (id: string) => c.numberOf(id)!;
    expect(c.rowOf(n('d'))!.get(n('c'))).toBe(1);
    expect(c.rowOf(n('d'))!.get(n('b'))).toBe(0.5);
    expect(c.rowOf(n('d'))!.has(n('a'))).toBe(false);
    expect(c.rowOf(n('c'))!.get(n('d'))).toBe(1);
    expect(c.countOf(n('d'))).toBe(1);
    expect(c.countOf(n('a'))).toBe(0);
    expect(c.totalPairs()).toBe(4);
  });

  it('cosine normalisation divides by the square root of both marginals', () => {
    const c = createCooccurrence({ window: 1, recencyDecay: 1 });
    c.observe('b', ['a'], 1);
    c.observe('c', ['a'], 1);
    const vocab = ['a', 'b', 'c'].map((id) => c.numberOf(id)!);
    const s = similarityMatrix(c, vocab, { normalisation: 'cosine', smoothing: 1, shift: 1 });
    // Marginals: a = 2, b = 1, c = 1; S_ab = 1 / sqrt(2).
    expect(s.n).toBe(3);
    expect(Array.from(s.values.slice(s.rowStart[0]!, s.rowStart[1]!))).toEqual([expect.closeTo(Math.SQRT1_2, 5), expect.closeTo(Math.SQRT1_2, 5)]);
  });
});

describe('topEigenpairs', () => {
  it('recovers the largest eigenvalues and eigenvectors of a symmetric matrix', () => {
    const next = createRandom(3);
    const n = 40;
    // A = Q diag(10, 5, 2, 0.1 ...) Qᵀ with a random orthogonal Q.
    const q = new Matrix(Array.from({ length: n }, () => Array.from({ length: n }, () => next() - 0.5)));
    const { leftSingularVectors: u } = new SingularValueDecomposition(q);
    const diag = Array.from({ length: n }, (_, i) => (i === 0 ? 10 : i === 1 ? 5 : i === 2 ? 2 : 0.1 / (i + 1)));
    const a = u.mmul(Matrix.diag(diag)).mmul(u.transpose());
    const res = topEigenpairs(denseToCsr(a.to2DArray()), 3, { iterations: 30, seed: 1 });
    expect(Array.from(res.values)).toEqual([expect.closeTo(10, 4), expect.closeTo(5, 4), expect.closeTo(2, 3)]);
    for (let c = 0; c < 3; c++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += res.vectors[r * 3 + c]! * u.get(r, c);
      expect(Math.abs(dot)).toBeCloseTo(1, 4);
    }
  });

  it('a start near the top eigenvectors converges in one iteration where noise does not', () => {
    const next = createRandom(5);
    const n = 60;
    const q = new Matrix(Array.from({ length: n }, () => Array.from({ length: n }, () => next() - 0.5)));
    const { leftSingularVectors: u } = new SingularValueDecomposition(q);
    // A slowly decaying spectrum, where iterating from noise converges slowly.
    const a = u.mmul(Matrix.diag(Array.from({ length: n }, (_, i) => 10 * 0.97 ** i))).mmul(u.transpose());
    const start = new Float64Array(n * 3);
    for (let r = 0; r < n; r++) for (let c = 0; c < 3; c++) start[r * 3 + c] = u.get(r, c) + 0.01 * (next() - 0.5);
    const csr = denseToCsr(a.to2DArray());
    const warm = topEigenpairs(csr, 3, { iterations: 1, seed: 1, oversample: 0, start: { columns: 3, values: start } });
    const cold = topEigenpairs(csr, 3, { iterations: 1, seed: 1, oversample: 0 });
    const truth = [10, 9.7, 9.409];
    const error = (values: Float64Array) => Math.max(...truth.map((t, c) => Math.abs(values[c]! - t)));
    expect(error(warm.values)).toBeLessThan(1e-3);
    expect(error(cold.values)).toBeGreaterThan(0.1);
  });

  it('keeps an orthonormal basis when the matrix has lower rank than the basis (degenerate columns restart from noise)', () => {
    const next = createRandom(4);
    const n = 30;
    const q = new Matrix(Array.from({ length: n }, () => Array.from({ length: n }, () => next() - 0.5)));
    const { leftSingularVectors: u } = new SingularValueDecomposition(q);
    // Rank 2: after one multiply every column of the 13-column basis lies in a 2-dimensional span.
    const a = u.mmul(Matrix.diag(Array.from({ length: n }, (_, i) => (i === 0 ? 5 : i === 1 ? 2 : 0)))).mmul(u.transpose());
    const res = topEigenpairs(denseToCsr(a.to2DArray()), 3, { iterations: 4, seed: 2 });
    expect(res.values[0]).toBeCloseTo(5, 6);
    expect(res.values[1]).toBeCloseTo(2, 6);
    expect(Math.abs(res.values[2]!)).toBeLessThan(1e-6);
    for (let c = 0; c < 3; c++) {
      for (let c2 = c; c2 < 3; c2++) {
        let dot = 0;
        for (let r = 0; r < n; r++) dot += res.vectors[r * 3 + c]! * res.vectors[r * 3 + c2]!;
        expect(dot).toBeCloseTo(c === c2 ? 1 : 0, 6);
      }
    }
  });

  it('procrustes finds the rotation between two copies of a point set', () => {
    const next = createRandom(9);
    const rows = 30;
    const d = 3;
    const a = new Float64Array(rows * d).map(() => next() - 0.5);
    const t = Math.PI / 5;
    const rot = new Matrix([
      [Math.cos(t), -Math.sin(t), 0],
      [Math.sin(t), Math.cos(t), 0],
      [0, 0, 1],
    ]);
    const b = new Float64Array(rows * d);
    for (let r = 0; r < rows; r++) for (let c = 0; c < d; c++) for (let k = 0; k < d; k++) b[r * d + c] = b[r * d + c]! + a[r * d + k]! * rot.get(k, c);
    const found = procrustes(a, b, rows, d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(found.get(i, j)).toBeCloseTo(rot.get(i, j), 6);
  });
});


describe('co-occurrence memory bound', () => {
  it('prunes the lightest pairs of long rows when the pair budget is exceeded, keeping the strong ones', () => {
    const c = createCooccurrence({ window: 1, recencyDecay: 1, maxPairs: 100 });
    // 'hub' pairs 30 times with 'friend', then once with each of 80 one-off items.
    for (let i = 0; i < 30; i++) c.observe('friend', ['hub'], 1);
    for (let i = 0; i < 80; i++) c.observe(`one-off-${i}`, ['hub'], 1);
    const hub = c.rowOf(c.numberOf('hub')!)!;
    // Without the bound the hub row would hold 81 pairs.
    expect(hub.size).toBeLessThan(81);
    expect(hub.size).toBeGreaterThanOrEqual(16);
    expect(hub.get(c.numberOf('friend')!)).toBe(30);
    expect(c.totalPairs()).toBeLessThan(162);
  });
});

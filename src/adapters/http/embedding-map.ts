import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { AnnIndex } from '../../core/ann-index.ts';
import { normalized, type Vector } from '../../core/vector.ts';

export interface Projection {
  /** 2 x dim principal axes (unit rows) and the mean they are centred on. */
  axes: [Float64Array, Float64Array];
  mean: Float64Array;
  explainedVariance: [number, number];
  points: Array<{ itemId: string; x: number; y: number }>;
  sampled: boolean;
  indexSize: number;
}

/**
 * A 2-D PCA view of the item embeddings for the page. Vectors are normalised first
 * (the index ranks by cosine), then PCA via the eigenvectors of the dim x dim covariance,
 * which is cheap for dim <= a few hundred whatever the sample size. The projection is
 * cached and recomputed when the index size changes or it is older than `maxAgeMs`.
 */
export function createEmbeddingMap(index: AnnIndex, sampleSize: number, maxAgeMs = 15_000, nowMs: () => number = Date.now) {
  let cached: { projection: Projection; atMs: number } | undefined;

  function compute(): Projection | undefined {
    const sample = sampleIds(index, sampleSize);
    const rows: Vector[] = [];
    const ids: string[] = [];
    for (const id of sample.ids) {
      const v = index.vectorOf(id);
      if (v) {
        rows.push(normalized(v));
        ids.push(id);
      }
    }
    if (rows.length < 3) return undefined;
    const dim = index.dim;
    const n = rows.length;
    const mean = new Float64Array(dim);
    for (const r of rows) for (let j = 0; j < dim; j++) mean[j]! += r[j]! / n;
    // Covariance in plain loops (upper triangle, then mirrored): ml-matrix's per-element
    // get/set made this the slow part, and it runs on the event loop.
    const cov = new Float64Array(dim * dim);
    const c = new Float64Array(dim);
    for (const r of rows) {
      for (let j = 0; j < dim; j++) c[j] = r[j]! - mean[j]!;
      for (let a = 0; a < dim; a++) {
        const ca = c[a]!;
        if (ca === 0) continue;
        const base = a * dim;
        for (let b = a; b < dim; b++) cov[base + b]! += ca * c[b]!;
      }
    }
    const covariance = new Matrix(dim, dim);
    for (let a = 0; a < dim; a++) {
      for (let b = a; b < dim; b++) {
        const v = cov[a * dim + b]! / (n - 1);
        covariance.set(a, b, v);
        covariance.set(b, a, v);
      }
    }
    const evd = new EigenvalueDecomposition(covariance, { assumeSymmetric: true });
    const values = evd.realEigenvalues;
    const order = values.map((v, i) => [v, i] as const).sort((x, y) => y[0] - x[0]);
    const total = values.reduce((sum, v) => sum + Math.max(v, 0), 0) || 1;
    const axes = order.slice(0, 2).map(([, col]) => Float64Array.from(evd.eigenvectorMatrix.getColumn(col))) as [
      Float64Array,
      Float64Array,
    ];
    const explainedVariance = order.slice(0, 2).map(([v]) => Math.max(v, 0) / total) as [number, number];
    const projection: Projection = { axes, mean, explainedVariance, points: [], sampled: sample.sampled, indexSize: index.size };
    projection.points = rows.map((r, i) => ({ itemId: ids[i]!, ...project(projection, r) }));
    return projection;
  }

  return {
    current(): Projection | undefined {
      // Online learning adds items all the time: redraw on age, or when the index grew or
      // shrank by more than 1% (small changes do not move a 2-D picture).
      const drift = cached ? Math.abs(index.size - cached.projection.indexSize) : 0;
      const fresh = cached && drift <= Math.max(0, index.size * 0.01) && nowMs() - cached.atMs < maxAgeMs;
      if (!fresh) {
        const projection = compute();
        cached = projection ? { projection, atMs: nowMs() } : undefined;
      }
      return cached?.projection;
    },
    project(projection: Projection, v: Vector): { x: number; y: number } {
      return project(projection, normalized(v));
    },
  };
}

export type EmbeddingMap = ReturnType<typeof createEmbeddingMap>;

function project(p: Projection, unit: Vector): { x: number; y: number } {
  let x = 0;
  let y = 0;
  const [a, b] = p.axes;
  for (let j = 0; j < unit.length; j++) {
    const c = unit[j]! - p.mean[j]!;
    x += c * a[j]!;
    y += c * b[j]!;
  }
  return { x: round(x), y: round(y) };
}

/** An even stride over the index ids: deterministic, spread over the whole catalogue, one pass. */
function sampleIds(index: AnnIndex, sampleSize: number): { ids: string[]; sampled: boolean } {
  const total = index.size;
  if (total <= sampleSize) return { ids: [...index.ids()], sampled: false };
  const stride = total / sampleSize;
  const ids: string[] = [];
  let i = 0;
  let next = 0;
  for (const id of index.ids()) {
    if (i++ < next) continue;
    ids.push(id);
    if (ids.length >= sampleSize) break;
    next = Math.floor(ids.length * stride);
  }
  return { ids, sampled: true };
}

function round(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

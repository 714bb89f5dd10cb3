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
    const mean = new Float64Array(dim);
    for (const r of rows) for (let j = 0; j < dim; j++) mean[j]! += r[j]! / rows.length;
    const centred = new Matrix(rows.length, dim);
    rows.forEach((r, i) => {
      for (let j = 0; j < dim; j++) centred.set(i, j, r[j]! - mean[j]!);
    });
    const covariance = centred.transpose().mmul(centred).div(rows.length - 1);
    const evd = new EigenvalueDecomposition(covariance, { assumeSymmetric: true });
    // ml-matrix returns eigenvalues ascending for symmetric input; take the two largest.
    const values = evd.realEigenvalues;
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
    const total = values.reduce((s, v) => s + Math.max(v, 0), 0) || 1;
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
      const fresh = cached && cached.projection.indexSize === index.size && nowMs() - cached.atMs < maxAgeMs;
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

/** An even stride over the index ids: deterministic, and spread over the whole catalogue. */
function sampleIds(index: AnnIndex, sampleSize: number): { ids: string[]; sampled: boolean } {
  const all = [...index.ids()];
  if (all.length <= sampleSize) return { ids: all, sampled: false };
  const stride = all.length / sampleSize;
  const ids: string[] = [];
  for (let i = 0; i < sampleSize; i++) ids.push(all[Math.floor(i * stride)]!);
  return { ids, sampled: true };
}

function round(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

import type { Vector } from './vector.ts';

/**
 * Inner-product search on a cosine index. Item vectors in the index are unit vectors
 * y = [f, sqrt(1 − |f|²)] whose last coordinate is reserved: f (|f| ≤ 1, last coordinate 0)
 * is the item's factor, whose length carries how strongly the item expresses its direction.
 * Queries keep the reserved coordinate at zero, so cosine(q, y) = q·f / |q| and the cosine
 * index ranks by the inner product q·f (the MIPS-to-cosine reduction). Pure.
 */
export function indexVectorOf(factor: Vector): Vector {
  const dim = factor.length;
  const y = new Float32Array(dim);
  let sq = 0;
  for (let i = 0; i < dim - 1; i++) sq += factor[i]! * factor[i]!;
  const scale = sq > 1 ? 1 / Math.sqrt(sq) : 1;
  for (let i = 0; i < dim - 1; i++) y[i] = factor[i]! * scale;
  y[dim - 1] = Math.sqrt(Math.max(0, 1 - sq * scale * scale));
  return y;
}

/** The factor part of an index vector or user vector (reserved coordinate zeroed), a copy. */
export function factorPart(v: Vector): Vector {
  const out = Float32Array.from(v);
  if (out.length > 0) out[out.length - 1] = 0;
  return out;
}

/** Float32 vector math for embeddings. Hot paths: lengths are checked once, then indexed. */
export type Vector = Float32Array;

export function zeros(dim: number): Vector {
  return new Float32Array(dim);
}

export function dot(a: Vector, b: Vector): number {
  const n = checkSameLength(a, b);
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

export function norm(a: Vector): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/** Returns a unit-length copy; the zero vector stays zero. */
export function normalized(a: Vector): Vector {
  const n = norm(a);
  const out = new Float32Array(a.length);
  if (n === 0) return out;
  for (let i = 0; i < a.length; i++) out[i] = a[i]! / n;
  return out;
}

/** out = out * scale + v * weight, in place. */
export function scaleAdd(out: Vector, scale: number, v: Vector, weight: number): Vector {
  const n = checkSameLength(out, v);
  for (let i = 0; i < n; i++) out[i] = out[i]! * scale + v[i]! * weight;
  return out;
}

export function cosine(a: Vector, b: Vector): number {
  const d = norm(a) * norm(b);
  return d === 0 ? 0 : dot(a, b) / d;
}

/** Raw little-endian Float32 bytes, the on-wire and in-Redis form of a vector. */
export function vectorToBytes(v: Vector): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function vectorFromBytes(bytes: Uint8Array): Vector {
  if (bytes.byteLength % 4 !== 0) throw new RangeError(`vector bytes length ${bytes.byteLength} is not a multiple of 4`);
  // Copy: the source buffer may be pooled or unaligned.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

function checkSameLength(a: Vector, b: Vector): number {
  if (a.length !== b.length) throw new RangeError(`vector lengths differ: ${a.length} vs ${b.length}`);
  return a.length;
}

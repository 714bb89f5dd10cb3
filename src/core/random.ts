/**
 * Seeded PRNG (mulberry32): small, fast, and the same sequence on every platform for a
 * given seed, so training, synthetic data, tests and benchmarks are reproducible.
 * Returns numbers in [0, 1).
 */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

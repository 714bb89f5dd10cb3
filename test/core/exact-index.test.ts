import { describe, expect, it } from 'vitest';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { createRandom } from '../../src/core/random.ts';
import { annIndexSuite } from './ann-index.suite.ts';

annIndexSuite('exact', (dim) => createExactIndex(dim, 16));
annIndexSuite('exact (JavaScript scan)', (dim) => createExactIndex(dim, 16, 'js'));

describe('exact index scans', () => {
  it('the WebAssembly and the JavaScript scan rank the same items (scores to float32 rounding), through growth and removals', () => {
    const next = createRandom(11);
    const dim = 33;
    const wasm = createExactIndex(dim, 4, 'wasm');
    const js = createExactIndex(dim, 4, 'js');
    const vector = () => Float32Array.from({ length: dim }, () => next() - 0.5);
    for (let i = 0; i < 1027; i++) {
      const v = vector();
      wasm.upsert(`i${i}`, v);
      js.upsert(`i${i}`, v);
    }
    for (let i = 0; i < 1027; i += 7) {
      wasm.remove(`i${i}`);
      js.remove(`i${i}`);
    }
    for (let q = 0; q < 20; q++) {
      const query = vector();
      const a = wasm.search(query, 25);
      const b = js.search(query, 25);
      expect(a.map((n) => n.itemId)).toEqual(b.map((n) => n.itemId));
      a.forEach((n, i) => expect(n.score).toBeCloseTo(b[i]!.score, 6));
    }
  });
});

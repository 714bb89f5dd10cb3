import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRowStore } from '../../src/core/dot-scan.ts';
import { createRandom } from '../../src/core/random.ts';
// @ts-expect-error a plain-JavaScript build script without declarations
import { BYTES_TS, bytesModule, compileDotScan } from '../../scripts/build-wasm.mjs';

describe('dot scan', () => {
  it('the committed module is the compiled dot-scan.wat (npm run build:wasm regenerates it)', async () => {
    expect(readFileSync(BYTES_TS, 'utf8')).toBe(bytesModule(await compileDotScan()));
  });

  it('runs in WebAssembly here, and both kinds score every row as the plain sum does (to float32 rounding), for any row count and width', () => {
    expect(createRowStore(3, 1).kind).toBe('wasm');
    const next = createRandom(5);
    for (const [dim, m, n] of [[65, 64, 1027], [65, 65, 9], [7, 7, 5], [7, 6, 4], [2, 1, 3], [1, 1, 1], [4, 4, 0]] as const) {
      for (const kind of ['wasm', 'js'] as const) {
        const store = createRowStore(dim, 2, kind);
        store.grow(n + 1);
        store.rows.set(Float32Array.from({ length: n * dim }, () => next() - 0.5));
        const kept = store.rows.slice(0, n * dim);
        store.grow(2 * n + 3);
        expect(store.rows.slice(0, n * dim)).toEqual(kept);
        const q = Float32Array.from({ length: dim }, () => next() - 0.5);
        const scores = store.scan(q, n, m);
        for (let s = 0; s < n; s++) {
          let sum = 0;
          for (let i = 0; i < m; i++) sum += q[i]! * kept[s * dim + i]!;
          expect(scores[s]).toBeCloseTo(sum, 5);
        }
      }
    }
  });
});

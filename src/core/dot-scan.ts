import { DOT_SCAN_WASM_BASE64 } from './dot-scan-bytes.ts';

/**
 * The exact index's rows (capacity × dim float32, the precision HNSW stores) and its scan: the
 * score of every row against a query, out[s] = Σ_{i<m} q[i] · rows[s · dim + i], summed in
 * float32 as hnswlib's inner product is. The scan is most of an exact search (and of an eval
 * replay's recommend); in WebAssembly with 128-bit SIMD (dot-scan.wat, four float32 lanes) it
 * runs 1.9–2.4× the float64 SIMD scan it replaced at 7,000–43,000 rows × 65 and 1.4× at 1,682
 * (half the bytes read per row), so the rows live in the module's memory. Where WebAssembly SIMD
 * is missing, the same store in plain JavaScript.
 */
export interface RowStore {
  readonly kind: 'wasm' | 'js';
  /** The rows; a new view after grow (never keep one across a grow). */
  readonly rows: Float32Array;
  /** Room for `capacity` rows, the first ones kept. */
  grow(capacity: number): void;
  /**
   * Scores of rows 0..n-1 against the first m coordinates of q (q.length = dim): a view valid
   * until the next scan or grow. Each kind sums in an order of its own (WebAssembly in float32
   * lanes of four coordinates, JavaScript in float64 rounded once), so the two agree to
   * float32 rounding, not to the bit.
   */
  scan(q: Float32Array, n: number, m: number): Float32Array;
}

const PAGE_BYTES = 65_536;

// The part of the WebAssembly API used here: the project's TypeScript libraries (ES2023 and
// Node's types, no DOM) declare the namespace without its classes.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly kind: 'module';
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule) => { readonly exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: WasmModule | null | undefined;

/** The compiled scan, or null where this runtime cannot run it (no WebAssembly SIMD). */
function dotScanModule(): WasmModule | null {
  if (compiled === undefined) {
    const bytes = Buffer.from(DOT_SCAN_WASM_BASE64, 'base64');
    compiled = wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  return compiled;
}

export function createRowStore(dim: number, capacity: number, kind: 'wasm' | 'js' = dotScanModule() ? 'wasm' : 'js'): RowStore {
  if (kind === 'wasm') {
    const module = dotScanModule();
    if (module) return wasmRowStore(module, dim, capacity);
  }
  return jsRowStore(dim, capacity);
}

/**
 * Memory layout, in bytes: the query (dim floats, rounded up to 16), then the rows, then the
 * scores. The rows start where they always did, so a grow moves nothing; the scores are
 * scratch and start after the rows at the new capacity.
 */
function wasmRowStore(module: WasmModule, dim: number, initialCapacity: number): RowStore {
  const instance = new wasm!.Instance(module);
  const memory = instance.exports.memory as WasmMemory;
  const scan = instance.exports.scan as (q: number, rows: number, n: number, m: number, dim: number, out: number) => void;
  const queryBytes = Math.ceil((4 * dim) / 16) * 16;
  let rows = new Float32Array(0);
  let scores = new Float32Array(0);
  let query = new Float32Array(0);
  let scoresAt = 0;

  const store: RowStore = {
    kind: 'wasm',
    get rows() {
      return rows;
    },
    grow(next) {
      const need = queryBytes + 4 * next * (dim + 1);
      if (need > memory.buffer.byteLength) {
        try {
          memory.grow(Math.ceil((need - memory.buffer.byteLength) / PAGE_BYTES));
        } catch {
          throw new RangeError(`the exact index cannot hold ${next} rows of ${dim} (${Math.ceil(need / 2 ** 20)} MiB past WebAssembly's 4 GiB memory); use the HNSW index`);
        }
      }
      const buffer = memory.buffer;
      query = new Float32Array(buffer, 0, dim);
      rows = new Float32Array(buffer, queryBytes, next * dim);
      scoresAt = queryBytes + 4 * next * dim;
      scores = new Float32Array(buffer, scoresAt, next);
    },
    scan(q, n, m) {
      query.set(q);
      scan(0, queryBytes, n, m, dim, scoresAt);
      return scores;
    },
  };
  store.grow(Math.max(1, initialCapacity));
  return store;
}

function jsRowStore(dim: number, initialCapacity: number): RowStore {
  let rows = new Float32Array(Math.max(1, initialCapacity) * dim);
  let scores = new Float32Array(Math.max(1, initialCapacity));
  return {
    kind: 'js',
    get rows() {
      return rows;
    },
    grow(next) {
      const grown = new Float32Array(next * dim);
      grown.set(rows.subarray(0, Math.min(rows.length, grown.length)));
      rows = grown;
      scores = new Float32Array(next);
    },
    scan(q, n, m) {
      scanInto(q, rows, n, m, dim, scores);
      return scores;
    },
  };
}

/**
 * out[s] = Σ_{i<m} q[i] · rows[s · dim + i] for every slot s < n, summed in float64 and stored
 * as float32. Eight rows at a time, each summed in the same order as one row alone (identical
 * scores): independent sums keep the CPU's adders busy where one running sum waits on the last
 * add. A plain function over its arguments so the JIT keeps the arrays in registers (a closure
 * re-reads captured variables).
 */
function scanInto(q: Float32Array, rows: Float32Array, n: number, m: number, dim: number, out: Float32Array): void {
  let s = 0;
  const block = 8 * dim;
  for (let base = 0; s + 8 <= n; s += 8, base += block) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    for (let i = 0; i < m; i++) {
      const qi = q[i]!;
      const at = base + i;
      s0 += qi * rows[at]!;
      s1 += qi * rows[at + dim]!;
      s2 += qi * rows[at + 2 * dim]!;
      s3 += qi * rows[at + 3 * dim]!;
      s4 += qi * rows[at + 4 * dim]!;
      s5 += qi * rows[at + 5 * dim]!;
      s6 += qi * rows[at + 6 * dim]!;
      s7 += qi * rows[at + 7 * dim]!;
    }
    out[s] = s0;
    out[s + 1] = s1;
    out[s + 2] = s2;
    out[s + 3] = s3;
    out[s + 4] = s4;
    out[s + 5] = s5;
    out[s + 6] = s6;
    out[s + 7] = s7;
  }
  for (let base = s * dim; s < n; s++, base += dim) {
    let score = 0;
    for (let i = 0; i < m; i++) score += q[i]! * rows[base + i]!;
    out[s] = score;
  }
}

import { Worker } from 'node:worker_threads';
import type { CooccurrenceSnapshot } from '../core/cooccurrence-snapshot.ts';
import type { RefitParams, RefitResult } from '../core/refit.ts';
import type { Vector } from '../core/vector.ts';
import { threadEntry } from '../runtime-paths.ts';

/** Vectors of one dimension as ids plus one flat Float32Array (cheap to post between threads). */
export interface PackedVectors {
  ids: string[];
  dim: number;
  flat: Float32Array;
}

export interface RefitThreadInput {
  cooccurrence: CooccurrenceSnapshot;
  previous: PackedVectors;
  dim: number;
  params: RefitParams;
}

export interface RefitThreadOutput {
  vectors: PackedVectors;
  vocabSize: number;
  foldedIn: number;
  eigenvalues: number[];
  aligned: boolean;
}

export function packVectors(vectors: ReadonlyMap<string, Vector>, dim: number): PackedVectors {
  const ids: string[] = [];
  const flat = new Float32Array(vectors.size * dim);
  for (const [id, v] of vectors) {
    if (v.length !== dim) continue;
    flat.set(v, ids.length * dim);
    ids.push(id);
  }
  return { ids, dim, flat: ids.length * dim === flat.length ? flat : flat.slice(0, ids.length * dim) };
}

export function unpackVectors(packed: PackedVectors): Map<string, Vector> {
  const out = new Map<string, Vector>();
  packed.ids.forEach((id, i) => out.set(id, packed.flat.slice(i * packed.dim, (i + 1) * packed.dim)));
  return out;
}

export interface RefitThread {
  readonly promise: Promise<RefitResult>;
  /** Stops the thread (shutdown); the promise rejects. */
  terminate(): Promise<void>;
}

/**
 * refitItemVectors in a worker thread: a refit of a large catalogue takes seconds of CPU,
 * which on the main thread would stall consumer heartbeats and, inside `streamrec start`,
 * the API. Same function, same inputs (the snapshot reads back bit-equal), same result.
 */
export function startRefitThread(cooccurrence: CooccurrenceSnapshot, previous: ReadonlyMap<string, Vector>, dim: number, params: RefitParams): RefitThread {
  const input: RefitThreadInput = { cooccurrence, previous: packVectors(previous, dim), dim, params };
  const transfer = [cooccurrence.counts.buffer, cooccurrence.rowStart.buffer, cooccurrence.cols.buffer, cooccurrence.weights.buffer, input.previous.flat.buffer] as ArrayBuffer[];
  const worker = new Worker(threadEntry('refit-thread-worker', import.meta.url), { workerData: input, transferList: transfer });
  const promise = new Promise<RefitResult>((resolve, reject) => {
    let settled = false;
    worker.once('message', (out: RefitThreadOutput) => {
      settled = true;
      resolve({ vectors: unpackVectors(out.vectors), vocabSize: out.vocabSize, foldedIn: out.foldedIn, eigenvalues: out.eigenvalues, aligned: out.aligned });
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`refit thread exited with code ${code} before answering`));
    });
  });
  return {
    promise,
    async terminate() {
      await worker.terminate();
    },
  };
}

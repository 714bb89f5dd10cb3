import { parentPort, workerData } from 'node:worker_threads';
import { cooccurrenceFromSnapshot } from '../core/cooccurrence-snapshot.ts';
import { refitItemVectors } from '../core/refit.ts';
import type { Vector } from '../core/vector.ts';
import { packVectors, unpackVectors, type RefitThreadInput, type RefitThreadOutput } from './refit-thread.ts';

// One refit per thread: refitItemVectors on the snapshot, vectors sent back as one transferable buffer.
const input = workerData as RefitThreadInput;
const previous: Map<string, Vector> = unpackVectors(input.previous);
const result = refitItemVectors(cooccurrenceFromSnapshot(input.cooccurrence), previous, input.dim, input.params);
const output: RefitThreadOutput = { vectors: packVectors(result.vectors, input.dim), vocabSize: result.vocabSize, foldedIn: result.foldedIn, eigenvalues: result.eigenvalues, aligned: result.aligned };
parentPort!.postMessage(output, [output.vectors.flat.buffer as ArrayBuffer]);

import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.ts';
import type { ClickEvent } from '../core/events.ts';
import { evaluate } from './run-eval.ts';
import type { EvalSettings } from './settings.ts';

/** One share of the models of a parallel replay (parallel.ts); replies with its result. */
export interface EvalWorkerInput {
  events: ClickEvent[];
  config: Config;
  settings: EvalSettings;
}

export type EvalWorkerMessage =
  | { kind: 'progress'; done: number }
  | { kind: 'result'; result: ReturnType<typeof evaluate> }
  | { kind: 'error'; message: string };

const input = workerData as EvalWorkerInput;
try {
  const result = evaluate(input.events, input.config, input.settings, (done) => parentPort!.postMessage({ kind: 'progress', done } satisfies EvalWorkerMessage));
  parentPort!.postMessage({ kind: 'result', result } satisfies EvalWorkerMessage);
} catch (err) {
  parentPort!.postMessage({ kind: 'error', message: err instanceof Error ? err.message : String(err) } satisfies EvalWorkerMessage);
}

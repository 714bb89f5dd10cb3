import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.ts';
import type { ClickEvent } from '../core/events.ts';
import { evaluate } from './run-eval.ts';
import type { EvalModelName, EvalSettings } from './settings.ts';

/** What a worker of a parallel replay (parallel.ts) holds for its whole life: the events, once. */
export interface EvalWorkerInput {
  events: ClickEvent[];
  config: Config;
  settings: EvalSettings;
}

/** The pool asks for one model's replay at a time. */
export interface EvalWorkerTask {
  kind: 'run';
  model: EvalModelName;
}

export type EvalWorkerMessage =
  | { kind: 'progress'; done: number }
  | { kind: 'result'; result: ReturnType<typeof evaluate> }
  | { kind: 'error'; message: string };

const input = workerData as EvalWorkerInput;
const post = (msg: EvalWorkerMessage) => parentPort!.postMessage(msg);
parentPort!.on('message', (task: EvalWorkerTask) => {
  try {
    const result = evaluate(input.events, input.config, { ...input.settings, models: [task.model] }, (done) => post({ kind: 'progress', done }));
    post({ kind: 'result', result });
  } catch (err) {
    post({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});

import type { Config } from '../config.ts';
import type { ClickEvent } from '../core/events.ts';
import { evaluate } from './run-eval.ts';
import type { EvalModelName, EvalSettings } from './settings.ts';

/** What a worker process of a parallel replay (parallel.ts) holds for its whole life: the events, once. */
export interface EvalWorkerInput {
  events: ClickEvent[];
  config: Config;
  settings: EvalSettings;
}

/** The pool sends the input once, then asks for one model's replay at a time. */
export type EvalWorkerTask = { kind: 'init'; input: EvalWorkerInput } | { kind: 'run'; model: EvalModelName };

export type EvalWorkerMessage =
  | { kind: 'progress'; done: number }
  | { kind: 'result'; result: ReturnType<typeof evaluate> }
  | { kind: 'error'; message: string };

let input: EvalWorkerInput | undefined;
const post = (msg: EvalWorkerMessage) => process.send!(msg);
process.on('message', (task: EvalWorkerTask) => {
  if (task.kind === 'init') {
    input = task.input;
    return;
  }
  try {
    if (!input) throw new Error('no events received before the task');
    const result = evaluate(input.events, input.config, { ...input.settings, models: [task.model] }, (done) => post({ kind: 'progress', done }));
    post({ kind: 'result', result });
  } catch (err) {
    post({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});
// The pool went away (its process ended): nothing is left to replay for.
process.on('disconnect', () => process.exit(0));

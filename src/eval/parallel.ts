import { fork, type ChildProcess } from 'node:child_process';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import type { Config } from '../config.ts';
import type { ClickEvent } from '../core/events.ts';
import { StreamrecError } from '../errors.ts';
import { threadEntry } from '../runtime-paths.ts';
import type { EvalWorkerInput, EvalWorkerMessage, EvalWorkerTask } from './eval-worker.ts';
import type { PrequentialResult } from './prequential.ts';
import { evaluate } from './run-eval.ts';
import type { EvalModelName, EvalSettings } from './settings.ts';

// Relative cost of a model's replay (measured on ML-100K), for the order models start in.
const COST: Readonly<Record<EvalModelName, number>> = { online: 5, 'online-pooled': 5, batch: 5, itemknn: 1.5, vsknn: 6, sr: 0.5, popularity: 0.2 };

/**
 * The order the pool starts models in: the costliest first, so the cheap ones fill in at the
 * end. Costs move with the data (the batch model's refits grow with the catalogue, V-SKNN's
 * work with history length), which is why the pool hands out one model at a time instead of
 * fixing each worker's share up front.
 */
export function longestFirst(models: readonly EvalModelName[]): EvalModelName[] {
  return [...models].sort((a, b) => COST[b] - COST[a]);
}

/**
 * Each worker process's heap limit, MB: an equal share of 80% of the machine's memory among the
 * workers and the main process (which holds the events too), never below V8's default for this
 * process (~4,300 MB here). A whole-history replay of a large shop file (a million users and
 * more) can outgrow the default; a worker past its limit dies alone (V8 aborts that process,
 * wherever the limit strikes, in JavaScript or in hnswlib's native code) and the replay fails
 * naming the model. Threads were tried first: their limit is best-effort, and some allocation
 * shapes (one large array growing) aborted the whole process instead.
 */
export function workerHeapMb(workers: number, totalBytes = totalmem(), defaultMb = getHeapStatistics().heap_size_limit / 2 ** 20): number {
  return Math.floor(Math.max(defaultMb, (0.8 * totalBytes) / 2 ** 20 / (workers + 1)));
}

// The tail of a worker's stderr kept to tell why it died (V8's out-of-memory report is a few lines).
const STDERR_TAIL_BYTES = 4096;

/** A worker process holding the events, replaying one model per `run`. */
class PoolWorker {
  private readonly child: ChildProcess;
  private pending: { resolve: (r: PrequentialResult) => void; reject: (e: Error) => void; model: EvalModelName } | undefined;
  private dead: Error | undefined;
  private stderrTail = '';

  constructor(input: EvalWorkerInput, onProgress: (done: number) => void, private readonly heapMb: number) {
    this.child = fork(fileURLToPath(threadEntry('eval-worker', import.meta.url)), [], {
      execArgv: [`--max-old-space-size=${heapMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_BYTES);
    });
    this.child.on('message', (msg: EvalWorkerMessage) => {
      if (msg.kind === 'progress') onProgress(msg.done);
      else if (msg.kind === 'error') this.settle(new StreamrecError('INTERNAL', `evaluation worker failed: ${msg.message}`));
      else this.settle(msg.result);
    });
    this.child.on('error', (err) => this.fail(err));
    // stderr is read to its end before 'close', so the report of a dying worker is complete here.
    this.child.on('close', (code, signal) => this.fail(this.explained(code, signal)));
    this.child.send({ kind: 'init', input } satisfies EvalWorkerTask);
  }

  run(model: EvalModelName): Promise<PrequentialResult> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, model };
      this.child.send({ kind: 'run', model } satisfies EvalWorkerTask);
    });
  }

  stop(): void {
    this.dead ??= new StreamrecError('INTERNAL', 'evaluation worker stopped');
    this.child.kill();
  }

  /** Why a worker ended before its result: out of memory says which replay needed more, and what to do. */
  private explained(code: number | null, signal: NodeJS.Signals | null): Error {
    if (/heap out of memory|Reached heap limit|Allocation failed/i.test(this.stderrTail)) {
      const what = this.pending ? `the ${this.pending.model} model's replay` : 'an evaluation worker';
      return new StreamrecError('INTERNAL', `${what} ran out of memory (heap limit ${this.heapMb} MB a worker process)`, {
        hint: 'replay a prefix (--limit N), fewer models at once (--models), or run on a machine with more memory',
      });
    }
    const last = this.stderrTail.trim().split('\n').pop();
    return new StreamrecError('INTERNAL', `evaluation worker exited (${signal ?? `code ${code}`}) before its result${last ? `: ${last}` : ''}`);
  }

  private fail(err: Error): void {
    this.dead ??= err;
    this.settle(err);
  }

  private settle(outcome: PrequentialResult | Error): void {
    const p = this.pending;
    this.pending = undefined;
    if (!p) return;
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }
}

/**
 * The same replay with the models spread over worker processes (one core each): each worker
 * receives the events once, then replays one model at a time, taking the next of the queue
 * (longestFirst) when it is done. Test cases depend on the events only, so the models' results
 * merge into one, models in the order asked for.
 */
export async function evaluateInWorkers(
  events: readonly ClickEvent[],
  config: Config,
  settings: EvalSettings,
  workers: number,
  onProgress?: (done: number, total: number) => void,
  /** heapMb: each worker's heap limit (default workerHeapMb; tests set a small one). */
  options: { heapMb?: number } = {},
): Promise<PrequentialResult> {
  const threads = Math.max(1, Math.min(workers, settings.models.length));
  if (threads <= 1) return evaluate(events, config, settings, onProgress);
  const windowCases = settings.windowCases ?? Math.max(20, Math.floor(events.length / 50));
  const queue = longestFirst(settings.models);
  // Progress: events replayed, summed over the models (finished ones count whole), per model.
  const done = new Map<EvalModelName, number>();
  const report = () => {
    let sum = 0;
    for (const n of done.values()) sum += n;
    onProgress?.(Math.floor(sum / settings.models.length), events.length);
  };
  const started = performance.now();
  const results = new Map<EvalModelName, PrequentialResult>();
  const input: EvalWorkerInput = { events: events as ClickEvent[], config, settings: { ...settings, models: [], windowCases } };
  const heapMb = options.heapMb ?? workerHeapMb(threads);
  const pool: PoolWorker[] = [];
  try {
    await Promise.all(
      Array.from({ length: threads }, async () => {
        let current: EvalModelName | undefined;
        const worker = new PoolWorker(
          input,
          (n) => {
            if (current === undefined) return;
            done.set(current, n);
            report();
          },
          heapMb,
        );
        pool.push(worker);
        for (current = queue.shift(); current !== undefined; current = queue.shift()) {
          results.set(current, await worker.run(current));
          done.set(current, events.length);
          report();
        }
      }),
    );
  } finally {
    for (const worker of pool) worker.stop();
  }
  const first = results.get(settings.models[0]!)!;
  return { ...first, models: settings.models.map((name) => results.get(name)!.models[0]!), wallMs: performance.now() - started };
}

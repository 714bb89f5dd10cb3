import { Worker } from 'node:worker_threads';
import type { Config } from '../config.ts';
import type { ClickEvent } from '../core/events.ts';
import { StreamrecError } from '../errors.ts';
import { threadEntry } from '../runtime-paths.ts';
import type { EvalWorkerInput, EvalWorkerMessage } from './eval-worker.ts';
import type { PrequentialResult } from './prequential.ts';
import { evaluate } from './run-eval.ts';
import type { EvalModelName, EvalSettings } from './settings.ts';

// Relative cost of a model's replay (measured on ML-100K), to balance the workers.
const COST: Readonly<Record<EvalModelName, number>> = { online: 5, 'online-pooled': 5, batch: 5, itemknn: 1.5, vsknn: 6, sr: 0.5, popularity: 0.2 };

/** Longest-first onto the least loaded worker. */
export function splitModels(models: readonly EvalModelName[], workers: number): EvalModelName[][] {
  const shares: EvalModelName[][] = Array.from({ length: Math.max(1, Math.min(workers, models.length)) }, () => []);
  const load = shares.map(() => 0);
  for (const m of [...models].sort((a, b) => COST[b] - COST[a])) {
    const w = load.indexOf(Math.min(...load));
    shares[w]!.push(m);
    load[w]! += COST[m];
  }
  return shares;
}

function runWorker(input: EvalWorkerInput, onProgress: (done: number) => void): Promise<PrequentialResult> {
  const worker = new Worker(threadEntry('eval-worker', import.meta.url), { workerData: input });
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      reject(err);
      void worker.terminate();
    };
    worker.on('message', (msg: EvalWorkerMessage) => {
      if (msg.kind === 'progress') onProgress(msg.done);
      else if (msg.kind === 'error') fail(new StreamrecError('INTERNAL', `evaluation worker failed: ${msg.message}`));
      else if (!settled) {
        settled = true;
        resolve(msg.result);
        void worker.terminate();
      }
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new StreamrecError('INTERNAL', `evaluation worker exited with code ${code} before its result`)));
  });
}

/**
 * The same replay with the models spread over worker threads (one core each). Every worker
 * replays all events through its share of the models; test cases depend on the events only,
 * so the shares merge into one result, models in the order asked for.
 */
export async function evaluateInWorkers(
  events: readonly ClickEvent[],
  config: Config,
  settings: EvalSettings,
  workers: number,
  onProgress?: (done: number, total: number) => void,
): Promise<PrequentialResult> {
  const shares = splitModels(settings.models, workers);
  if (shares.length <= 1) return evaluate(events, config, settings, onProgress);
  const windowCases = settings.windowCases ?? Math.max(20, Math.floor(events.length / 50));
  const done = shares.map(() => 0);
  const started = performance.now();
  const parts = await Promise.all(
    shares.map((models, w) =>
      runWorker({ events: events as ClickEvent[], config, settings: { ...settings, models, windowCases } }, (n) => {
        done[w] = n;
        onProgress?.(Math.min(...done), events.length);
      }),
    ),
  );
  const byName = new Map(parts.flatMap((p) => p.models.map((m) => [m.name, m] as const)));
  return { ...parts[0]!, models: settings.models.map((name) => byName.get(name)!), wallMs: performance.now() - started };
}

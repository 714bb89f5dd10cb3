import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { generateSynthetic } from '../../src/datasets/synthetic.ts';
import { evaluateInWorkers, longestFirst, workerHeapMb } from '../../src/eval/parallel.ts';
import { evaluate } from '../../src/eval/run-eval.ts';
import { DEFAULT_EVAL_SETTINGS } from '../../src/eval/settings.ts';

describe('parallel replay', () => {
  it('starts the costliest models first', () => {
    expect(longestFirst(['popularity', 'online', 'sr', 'itemknn', 'vsknn'])).toEqual(['vsknn', 'online', 'itemknn', 'sr', 'popularity']);
    expect(longestFirst(['popularity'])).toEqual(['popularity']);
  });

  it('worker processes give exactly the in-process result, models in the order asked', async () => {
    const { events } = generateSynthetic({ users: 80, items: 60, events: 1500, seed: 3 });
    const config = loadConfig({});
    const settings = { ...DEFAULT_EVAL_SETTINGS, k: 5, models: ['itemknn', 'online', 'vsknn', 'popularity', 'sr'] as const, refitEveryEvents: 500 };
    const inProcess = evaluate(events, config, settings);
    const threaded = await evaluateInWorkers(events, config, settings, 2);
    const strip = (r: typeof inProcess) => r.models.map((m) => [m.name, m.cases, m.hitRate, m.ndcg, m.mrr, m.hitRate20, m.mrr20, m.coverage, m.windowHitRate]);
    expect(strip(threaded)).toEqual(strip(inProcess));
    expect(threaded.windowEnds).toEqual(inProcess.windowEnds);
    expect(inProcess.models.find((m) => m.name === 'vsknn')!.hitRate).toBeGreaterThan(0);
  });

  it('a model failing in a worker fails the replay with its reason, and the other workers stop', async () => {
    const { events } = generateSynthetic({ users: 20, items: 20, events: 200, seed: 4 });
    const settings = { ...DEFAULT_EVAL_SETTINGS, k: 5, models: ['itemknn', 'no-such-model', 'popularity'] as never };
    await expect(evaluateInWorkers(events, loadConfig({}), settings, 2)).rejects.toThrow(/evaluation worker failed: .+/);
  });

  it('a worker out of memory fails the replay with which model and what to do, and this process goes on', async () => {
    // Room for the code, not for the events (~90 MB once copied to a worker) and the replay. In a
    // worker thread this allocation shape sometimes aborted the whole process (one large array
    // growing past the limit); a worker process dies alone whatever the shape.
    const { events } = generateSynthetic({ users: 2000, items: 500, events: 300_000, seed: 5 });
    const settings = { ...DEFAULT_EVAL_SETTINGS, k: 5, models: ['sr', 'popularity'] as const };
    const failed = await evaluateInWorkers(events, loadConfig({}), settings, 2, undefined, { heapMb: 64 }).then(
      () => undefined,
      (err: unknown) => err as Error & { hint?: string },
    );
    expect(failed?.message).toMatch(/the (sr|popularity) model's replay ran out of memory \(heap limit 64 MB a worker process\)/);
    expect(failed?.hint).toMatch(/--limit N/);
  });

  it('gives each worker an equal share of 80% of the memory beside the main process, never less than the default', () => {
    const gib = 2 ** 30;
    expect(workerHeapMb(2, 24 * gib, 4144)).toBe(Math.floor((0.8 * 24 * 1024) / 3));
    expect(workerHeapMb(2, 8 * gib, 4144)).toBe(4144);
  });
});

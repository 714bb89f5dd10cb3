import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { generateSynthetic } from '../../src/datasets/synthetic.ts';
import { evaluateInWorkers, longestFirst } from '../../src/eval/parallel.ts';
import { evaluate } from '../../src/eval/run-eval.ts';
import { DEFAULT_EVAL_SETTINGS } from '../../src/eval/settings.ts';

describe('parallel replay', () => {
  it('starts the costliest models first', () => {
    expect(longestFirst(['popularity', 'online', 'sr', 'itemknn', 'vsknn'])).toEqual(['vsknn', 'online', 'itemknn', 'sr', 'popularity']);
    expect(longestFirst(['popularity'])).toEqual(['popularity']);
  });

  it('worker threads give exactly the in-process result, models in the order asked', async () => {
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
});

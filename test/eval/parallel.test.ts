import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { generateSynthetic } from '../../src/datasets/synthetic.ts';
import { evaluateInWorkers, splitModels } from '../../src/eval/parallel.ts';
import { evaluate } from '../../src/eval/run-eval.ts';
import { DEFAULT_EVAL_SETTINGS } from '../../src/eval/settings.ts';

describe('parallel replay', () => {
  it('balances models longest-first over the workers', () => {
    expect(splitModels(['online', 'popularity', 'itemknn', 'batch'], 2)).toEqual([
      ['online', 'itemknn'],
      ['batch', 'popularity'],
    ]);
    expect(splitModels(['popularity'], 4)).toEqual([['popularity']]);
    expect(splitModels(['online', 'batch'], 1)).toEqual([['online', 'batch']]);
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
});

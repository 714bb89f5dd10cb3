import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { generateSynthetic } from '../../src/datasets/synthetic.ts';
import { evaluate } from '../../src/eval/run-eval.ts';
import { AUTO_EXACT_MAX_ITEMS, DEFAULT_EVAL_SETTINGS, parseIndexKind, resolveIndexKind } from '../../src/eval/settings.ts';

const itemsOf = (n: number) => Array.from({ length: n }, (_, i) => ({ itemId: `i${i}` }));

describe("eval's index choice", () => {
  it('auto: exact up to AUTO_EXACT_MAX_ITEMS distinct items, HNSW past it; an explicit kind is kept', () => {
    expect(DEFAULT_EVAL_SETTINGS.index).toBe('auto');
    expect(resolveIndexKind('auto', itemsOf(AUTO_EXACT_MAX_ITEMS))).toBe('exact');
    // Repeats do not count: distinct items decide.
    expect(resolveIndexKind('auto', [...itemsOf(AUTO_EXACT_MAX_ITEMS), ...itemsOf(AUTO_EXACT_MAX_ITEMS)])).toBe('exact');
    expect(resolveIndexKind('auto', itemsOf(AUTO_EXACT_MAX_ITEMS + 1))).toBe('hnsw');
    expect(resolveIndexKind('exact', itemsOf(AUTO_EXACT_MAX_ITEMS + 1))).toBe('exact');
    expect(resolveIndexKind('hnsw', itemsOf(10))).toBe('hnsw');
    expect(() => parseIndexKind('annoy')).toThrow(/unknown index "annoy"/);
  });

  it('the online model replays with the index auto picked, and says which', () => {
    const { events } = generateSynthetic({ users: 100, items: 80, events: 1500, seed: 4 });
    const result = evaluate(events, loadConfig({}), { ...DEFAULT_EVAL_SETTINGS, k: 10, models: ['online'] });
    expect(result.models[0]!.details.index).toBe('exact');
    const hnsw = evaluate(events, loadConfig({}), { ...DEFAULT_EVAL_SETTINGS, k: 10, models: ['online'], index: 'hnsw' });
    expect(hnsw.models[0]!.details.index).toBe('hnsw');
  });
});

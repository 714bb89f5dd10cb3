import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { onlineModelParamsFrom } from '../../src/core/online-model-params.ts';
import { createBatchEvalModel } from '../../src/eval/models/batch.ts';

const config = loadConfig({});
const base = onlineModelParamsFrom(config.model);
// Small caps so the schedule shows on a short stream: at least 100 events apart, or one per item seen.
const params = { ...base, refit: { ...base.refit, maxEveryEvents: 100, maxEveryEventsPerItem: 1 } };

/** `count` views, the first 500 each of a new item, then the same 500 again. */
function events(count: number): ClickEvent[] {
  return Array.from({ length: count }, (_, i) => ({ eventId: `e${i}`, userId: `u${i % 20}`, itemId: `i${i % 500}`, type: 'view' as const, ts: 1_700_000_000_000 + i * 1000 }));
}

function refitsAfter(refitEveryEvents: number | 'auto', n: number): number {
  const model = createBatchEvalModel(params, refitEveryEvents, () => createExactIndex(config.model.dim));
  for (const e of events(n)) model.learn(e);
  return Number(model.describe!().refits);
}

describe('batch baseline', () => {
  it('retrains every N events when given N', () => {
    expect(refitsAfter(100, 850)).toBe(8);
  });

  it("'auto' spaces retrainings like the online refitter: at least the minimum gap, one event per item seen past it", () => {
    // At 100 (100 items seen: next gap 100), 200 (200 items: 200), 400 (400: 400), 800.
    expect(refitsAfter('auto', 850)).toBe(4);
  });
});

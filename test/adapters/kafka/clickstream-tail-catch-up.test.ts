import { describe, expect, it } from 'vitest';
import { startClickstreamTail } from '../../../src/adapters/kafka/clickstream-tail.ts';
import type { ClickEvent } from '../../../src/core/events.ts';
import { produceEvents } from '../../pipeline/support.ts';
import { integrationSetup } from '../../helpers/integration.ts';

const ctx = await integrationSetup({ CLICKSTREAM_PARTITIONS: '3' });

const eventsOf = (prefix: string, n: number): ClickEvent[] =>
  Array.from({ length: n }, (_, i) => ({ eventId: `${prefix}-${i}`, userId: `${prefix}-u${i % 17}`, itemId: `${prefix}-i${i}`, type: 'view', ts: Date.now() }));

describe('the clickstream tail catching up with its lookback (real Kafka, 3 partitions)', () => {
  it('says caught up only after every event of the lookback on every partition was read, and stays so while live events arrive', async () => {
    const before = eventsOf('cu', 300);
    await produceEvents(ctx, before);
    const seen = new Set<string>();
    const tail = await startClickstreamTail(ctx.kafka, ctx.config, ctx.log, {
      name: 'test tail',
      lookbackMs: 60_000,
      onEvent: (event) => {
        seen.add(event.eventId);
        const until = performance.now() + 0.5; // slow enough that catching up spans several turns
        while (performance.now() < until);
      },
    });
    try {
      expect(tail.caughtUp).toBe(false);
      expect(await tail.whenCaughtUp(30_000)).toBe('caught-up');
      expect(tail.caughtUp).toBe(true);
      for (const e of before) expect(seen.has(e.eventId)).toBe(true);
      await produceEvents(ctx, eventsOf('live', 20));
      expect(tail.caughtUp).toBe(true);
      expect(await tail.whenCaughtUp(1)).toBe('caught-up');
    } finally {
      await tail.stop();
    }
  });

  it('waits at most its timeout, and a stop ends the wait', async () => {
    await produceEvents(ctx, eventsOf('slow', 200));
    const tail = await startClickstreamTail(ctx.kafka, ctx.config, ctx.log, {
      name: 'slow tail',
      lookbackMs: 60_000,
      onEvent: () => {
        const until = performance.now() + 20; // 200 × 20 ms: far longer than the waits below
        while (performance.now() < until);
      },
    });
    try {
      const started = Date.now();
      expect(await tail.whenCaughtUp(300)).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(5_000);
      const waiting = tail.whenCaughtUp(60_000);
      const stopping = Date.now();
      await tail.stop();
      expect(await waiting).toBe('stopped');
      // The stop did not wait for the rest of the fetch (its 200 events take 4 s here).
      expect(Date.now() - stopping).toBeLessThan(2_000);
    } finally {
      await tail.stop();
    }
  });

  it('with nothing in its lookback it is caught up at once', async () => {
    const tail = await startClickstreamTail(ctx.kafka, ctx.config, ctx.log, { name: 'empty tail', lookbackMs: 0, onEvent: () => undefined });
    try {
      expect(tail.caughtUp).toBe(true);
      expect(await tail.whenCaughtUp(1)).toBe('caught-up');
    } finally {
      await tail.stop();
    }
  });
});

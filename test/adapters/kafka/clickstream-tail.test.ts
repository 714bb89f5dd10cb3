import { describe, expect, it } from 'vitest';
import { startClickstreamTail } from '../../../src/adapters/kafka/clickstream-tail.ts';
import type { ClickEvent } from '../../../src/core/events.ts';
import { produceEvents, waitUntil } from '../../pipeline/support.ts';
import { integrationSetup } from '../../helpers/integration.ts';

const ctx = await integrationSetup({ CLICKSTREAM_PARTITIONS: '1' });

describe('the clickstream tail (real Kafka)', () => {
  it('reads its lookback in order and gives the event loop turns inside a fetch, so requests are not held while it catches up', async () => {
    const events: ClickEvent[] = Array.from({ length: 200 }, (_, i) => ({ eventId: `tail-${i}`, userId: 'u', itemId: `i${i}`, type: 'view', ts: Date.now() }));
    await produceEvents(ctx, events);
    // A macrotask that runs whenever the loop gets a turn: each event notes how many have run.
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const seen: Array<{ itemId: string; turns: number }> = [];
    const tail = await startClickstreamTail(ctx.kafka, ctx.config, ctx.log, {
      name: 'test tail',
      lookbackMs: 60_000,
      onEvent: (event) => {
        seen.push({ itemId: event.itemId, turns });
        const until = performance.now() + 1; // 1 ms of work per event: 200 ms for the lookback
        while (performance.now() < until);
      },
    });
    try {
      await waitUntil('the tail to read the 200 events', async () => seen.length === 200, 30_000);
    } finally {
      ticking = false;
      await tail.stop();
    }
    expect(seen.map((s) => s.itemId)).toEqual(events.map((e) => e.itemId));
    // One partition's 200 events arrive in one or a few fetches; without turns inside a fetch the
    // loop runs only between fetches, so the count would move a few times at most.
    expect(new Set(seen.map((s) => s.turns)).size).toBeGreaterThanOrEqual(8);
  });
});

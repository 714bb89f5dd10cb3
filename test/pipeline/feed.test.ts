import { describe, expect, it } from 'vitest';
import type { ClickEvent } from '../../src/core/events.ts';
import { feedEvents } from '../../src/pipeline/feed.ts';

const events: ClickEvent[] = Array.from({ length: 250 }, (_, i) => ({
  eventId: `e${i}`,
  userId: `u${i % 7}`,
  itemId: `i${i}`,
  type: 'view',
  ts: 1_750_000_000_000 + i,
}));

describe('feedEvents', () => {
  it('sends everything in order as fast as possible', async () => {
    const got: string[] = [];
    const r = await feedEvents(events, async (chunk) => void got.push(...chunk.map((e) => e.eventId)));
    expect(got).toEqual(events.map((e) => e.eventId));
    expect(r.sent).toBe(250);
  });

  it('holds a fixed rate with a token bucket', async () => {
    const started = Date.now();
    const r = await feedEvents(events.slice(0, 100), async () => undefined, { ratePerSec: 400 });
    const elapsed = Date.now() - started;
    // 100 events at 400/s take 250 ms; allow scheduling slack upwards only.
    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(elapsed).toBeLessThan(1500);
    expect(r.ratePerSec).toBeLessThanOrEqual(420);
  });

  it('stops early when asked', async () => {
    let n = 0;
    const r = await feedEvents(events, async (chunk) => void (n += chunk.length), { ratePerSec: 1000, shouldStop: () => n >= 50 });
    expect(r.sent).toBeLessThan(250);
  });
});

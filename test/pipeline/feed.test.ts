import { describe, expect, it } from 'vitest';
import type { ClickEvent } from '../../src/core/events.ts';
import { StreamrecError } from '../../src/errors.ts';
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

describe('feedEvents through an outage', () => {
  const unavailable = () => new StreamrecError('KAFKA_UNAVAILABLE', 'broker down', { retryable: true });

  it('retries from the first unacknowledged event: nothing lost, nothing acknowledged sent twice', async () => {
    const stored: string[] = [];
    let failures = 0;
    const outages: number[] = [];
    let recovered = 0;
    // Each call stores (and acknowledges) 30 events, then fails three times in a row.
    const r = await feedEvents(
      events,
      async (chunk, acked) => {
        const part = chunk.slice(0, 30);
        stored.push(...part.map((e) => e.eventId));
        acked(part.length);
        if (part.length < chunk.length && failures++ % 4 !== 3) throw unavailable();
        stored.push(...chunk.slice(30).map((e) => e.eventId));
        acked(chunk.length);
      },
      {
        outage: { maxOutageMs: 10_000, backoffMaxMs: 5, onOutage: (_err, info) => outages.push(info.position), onRecovered: () => recovered++ },
      },
    );
    expect(stored).toEqual(events.map((e) => e.eventId));
    expect(r.sent).toBe(250);
    expect(outages.length).toBe(1);
    expect(recovered).toBe(1);
  });

  it('gives up after maxOutageMs, having reported what was acknowledged', async () => {
    let acknowledged = 0;
    const feed = feedEvents(
      events,
      async (chunk, acked) => {
        if (acknowledged >= 100) throw unavailable();
        acked(100);
        throw unavailable();
      },
      { outage: { maxOutageMs: 50, backoffMaxMs: 10 }, onProgress: (sent) => (acknowledged = sent) },
    );
    await expect(feed).rejects.toMatchObject({ code: 'KAFKA_UNAVAILABLE', retryable: true });
    expect(acknowledged).toBe(100);
  });

  it('does not retry a non-retryable error', async () => {
    let calls = 0;
    const feed = feedEvents(events, async () => {
      calls++;
      throw new StreamrecError('INTERNAL', 'message too large');
    }, { outage: { maxOutageMs: 10_000, backoffMaxMs: 5 } });
    await expect(feed).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(calls).toBe(1);
  });
});

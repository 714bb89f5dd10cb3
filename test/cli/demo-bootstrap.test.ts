import { describe, expect, it } from 'vitest';
import { loadDemoEvents } from '../../src/cli/demo-bootstrap.ts';
import { parseEvent } from '../../src/core/events.ts';

describe('loadDemoEvents', () => {
  it('is the demo file moved to the present: its latest event at start time, 28 days before it the first, all valid now', async () => {
    const now = Date.now();
    const events = await loadDemoEvents(now);
    expect(events.length).toBe(30_000);
    expect(events[events.length - 1]!.ts).toBe(now);
    const spanDays = (now - events[0]!.ts) / 86_400_000;
    expect(spanDays).toBeGreaterThan(27);
    expect(spanDays).toBeLessThanOrEqual(28);
    for (const e of events.slice(-100)) expect(parseEvent(e, now).ok).toBe(true);
  });
});

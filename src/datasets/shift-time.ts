import type { ClickEvent } from '../core/events.ts';

/**
 * The events moved in time so the latest is at `nowMs`, every gap kept: recorded data fed as
 * if it had just happened. Without it a demo user's history is weeks old, so the first live
 * event decays it away (user vectors decay with HALF_LIFE_MS from lastEventTs) and trending
 * counts nothing recent. Event ids and everything else stay as they were.
 */
export function shiftToPresent(events: readonly ClickEvent[], nowMs: number): ClickEvent[] {
  let lastTs = -Infinity;
  for (const e of events) if (e.ts > lastTs) lastTs = e.ts;
  const shiftMs = nowMs - lastTs;
  return events.map((e) => ({ ...e, ts: e.ts + shiftMs }));
}

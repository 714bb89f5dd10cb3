import { describe, expect, it } from 'vitest';
import type { ClickEvent } from '../../src/core/events.ts';
import { shiftToPresent } from '../../src/datasets/shift-time.ts';

const JAN_2026 = Date.UTC(2026, 0, 1);
const NOW = Date.UTC(2026, 10, 25, 12);

const events: ClickEvent[] = [
  { eventId: 'a', userId: 'u1', itemId: 'i1', type: 'view', ts: JAN_2026 },
  { eventId: 'b', userId: 'u2', itemId: 'i2', type: 'click', ts: JAN_2026 + 60_000, sessionId: 'u2-s1' },
  // Not the last line, but the latest time: it lands at now.
  { eventId: 'c', userId: 'u1', itemId: 'i3', type: 'purchase', ts: JAN_2026 + 28 * 86_400_000, value: 2 },
  { eventId: 'd', userId: 'u3', itemId: 'i1', type: 'view', ts: JAN_2026 + 5 * 86_400_000 },
];

describe('shiftToPresent', () => {
  it('puts the latest event at now and keeps every gap, id and field', () => {
    const shifted = shiftToPresent(events, NOW);
    expect(Math.max(...shifted.map((e) => e.ts))).toBe(NOW);
    expect(shifted[2]!.ts).toBe(NOW);
    for (let i = 0; i < events.length; i++) {
      expect(shifted[i]!.ts - shifted[0]!.ts).toBe(events[i]!.ts - events[0]!.ts);
      expect({ ...shifted[i], ts: 0 }).toEqual({ ...events[i], ts: 0 });
    }
  });

  it('leaves its input alone and takes an empty list', () => {
    const before = structuredClone(events);
    shiftToPresent(events, NOW);
    expect(events).toEqual(before);
    expect(shiftToPresent([], NOW)).toEqual([]);
  });
});

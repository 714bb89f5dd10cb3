import { describe, expect, it } from 'vitest';
import { compactSeen, expandSeen } from '../../../src/adapters/redis/seen-compaction.ts';
import { EVENT_TYPES, DEFAULT_EVENT_WEIGHTS, type ClickEvent } from '../../../src/core/events.ts';
import { applyEvent } from '../../../src/core/learner.ts';
import { createRandom } from '../../../src/core/random.ts';
import { createUserState, type UserState } from '../../../src/core/user-state.ts';

const params = { dim: 4, halfLifeMs: 86_400_000, weights: DEFAULT_EVENT_WEIGHTS, historyCap: 50, seenCap: 200, eventIdWindow: 32 };

/** A user made by the real learner from `n` events over `items` items (repeats when items < n). */
function learned(n: number, items: number, seed: number, types: readonly ClickEvent['type'][] = ['view']): UserState {
  const next = createRandom(seed);
  let s = createUserState('u', 4);
  for (let i = 0; i < n; i++) {
    const event: ClickEvent = { eventId: `e${i}`, userId: 'u', itemId: `item-${Math.floor(next() * items)}`, type: types[Math.floor(next() * types.length)]!, ts: 1_000_000 + i };
    s = applyEvent(s, event, Float32Array.of(1, 0, 0, 0), params);
  }
  return s;
}

describe('seen compaction', () => {
  it("drops what a learner-made user's history implies, and expands back exactly", () => {
    const s = learned(2000, 100_000, 1);
    expect(s.seen).toHaveLength(200);
    const prefix = compactSeen(s.seen, s.history)!;
    // 50 distinct views in the history: their 50 hashes are implied.
    expect(prefix).toHaveLength(150);
    expect(expandSeen(prefix, s.history, s.seen.length)).toEqual(s.seen);
  });

  it('is exact for every learner-made user, with repeats, removals and dislikes, or declines', () => {
    let compacted = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const s = learned(20 + (seed % 7) * 60, 30 + (seed % 11) * 40, seed, EVENT_TYPES);
      const prefix = compactSeen(s.seen, s.history);
      if (prefix === undefined) continue;
      compacted++;
      expect(expandSeen(prefix, s.history, s.seen.length)).toEqual(s.seen);
    }
    expect(compacted).toBeGreaterThan(150);
  });

  it('declines when the order does not follow from the history (another marking rule)', () => {
    const s = learned(400, 100_000, 2);
    const reordered = [...s.seen.slice(-10), ...s.seen.slice(0, -10)];
    expect(compactSeen(reordered, s.history)).toBeUndefined();
    expect(compactSeen(s.seen, [])).toBeUndefined();
  });
});

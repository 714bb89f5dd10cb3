import { describe, expect, it } from 'vitest';
import type { ClickEvent, EventType } from '../../src/core/events.ts';
import { DEFAULT_EVENT_WEIGHTS } from '../../src/core/events.ts';
import { applyEvent, decayFactor, isDuplicateEvent, type LearnerParams } from '../../src/core/learner.ts';
import { createUserState } from '../../src/core/user-state.ts';
import { itemHash } from '../../src/core/item-hash.ts';

const DAY = 86_400_000;
const T0 = 1_700_000_000_000;
const params: LearnerParams = { dim: 2, halfLifeMs: DAY, weights: DEFAULT_EVENT_WEIGHTS, historyCap: 3, seenCap: 3, eventIdWindow: 3 };
const ex = Float32Array.from([1, 0]);
const ey = Float32Array.from([0, 1]);

let n = 0;
function ev(itemId: string, type: EventType, ts: number): ClickEvent {
  return { eventId: `e${n++}`, userId: 'u', itemId, type, ts };
}

describe('applyEvent', () => {
  it('adds the item vector with the weight of the event type', () => {
    const s0 = createUserState('u', 2);
    const s1 = applyEvent(s0, ev('a', 'purchase', T0), ex, params);
    expect(Array.from(s1.vector)).toEqual([8, 0]);
    const s2 = applyEvent(s1, ev('b', 'click', T0), ey, params);
    expect(Array.from(s2.vector)).toEqual([8, 2]);
    expect(s2.eventCount).toBe(2);
    expect(s2.lastEventTs).toBe(T0);
    // Pure: the inputs are untouched.
    expect(Array.from(s0.vector)).toEqual([0, 0]);
    expect(s1.history).toHaveLength(1);
  });

  it('decays the old vector by 2^(-Δt / halfLife) in event time', () => {
    let s = applyEvent(createUserState('u', 2), ev('a', 'view', T0), ex, params);
    s = applyEvent(s, ev('b', 'view', T0 + 2 * DAY), ey, params);
    // 1 · 2^-2 = 0.25 of the old item, plus the new one.
    expect(s.vector[0]).toBeCloseTo(0.25, 6);
    expect(s.vector[1]).toBeCloseTo(1, 6);
    s = applyEvent(s, ev('c', 'view', T0 + 3 * DAY), ex, params);
    expect(s.vector[0]).toBeCloseTo(0.125 + 1, 6);
    expect(s.vector[1]).toBeCloseTo(0.5, 6);
    expect(decayFactor(DAY / 2, DAY)).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('adds a late event with its own decay instead of rewinding time', () => {
    let s = applyEvent(createUserState('u', 2), ev('a', 'view', T0 + DAY), ex, params);
    s = applyEvent(s, ev('b', 'view', T0), ey, params);
    expect(s.vector[0]).toBeCloseTo(1, 6);
    expect(s.vector[1]).toBeCloseTo(0.5, 6);
    expect(s.lastEventTs).toBe(T0 + DAY);
  });

  it('negative events push the vector away; dislike marks seen, remove_from_cart does not', () => {
    let s = applyEvent(createUserState('u', 2), ev('a', 'add_to_cart', T0), ex, params);
    s = applyEvent(s, ev('a', 'remove_from_cart', T0), ex, params);
    expect(s.vector[0]).toBeCloseTo(2, 6);
    s = applyEvent(s, ev('b', 'dislike', T0), ey, params);
    expect(s.vector[1]).toBeCloseTo(-4, 6);
    expect(s.seen).toEqual(['a', 'b'].map(itemHash));
    s = applyEvent(s, ev('c', 'remove_from_cart', T0), ex, params);
    expect(s.seen).toEqual(['a', 'b'].map(itemHash));
  });

  it('caps history and seen, keeping the newest; re-touching refreshes seen', () => {
    let s = createUserState('u', 2);
    for (const id of ['a', 'b', 'c', 'a', 'd']) s = applyEvent(s, ev(id, 'view', T0), ex, params);
    expect(s.history.map((h) => h.itemId)).toEqual(['c', 'a', 'd']);
    expect(s.seen).toEqual(['c', 'a', 'd'].map(itemHash));
    expect(s.eventCount).toBe(5);
  });

  it('an item without a vector still enters history and seen; the vector only decays', () => {
    let s = applyEvent(createUserState('u', 2), ev('a', 'view', T0), ex, params);
    s = applyEvent(s, ev('new', 'purchase', T0 + DAY), undefined, params);
    expect(Array.from(s.vector)).toEqual([0.5, 0]);
    expect(s.seen).toContain(itemHash('new'));
  });

  it('keeps the position unless given one, and stamps updatedAtMs only when told', () => {
    const s0 = { ...createUserState('u', 2), position: { partition: 1, offset: 5 }, updatedAtMs: 7 };
    const s1 = applyEvent(s0, ev('a', 'view', T0), ex, params);
    expect(s1.position).toEqual({ partition: 1, offset: 5 });
    expect(s1.updatedAtMs).toBe(7);
    const s2 = applyEvent(s1, ev('a', 'view', T0), ex, params, { position: { partition: 1, offset: 6 }, nowMs: 99 });
    expect(s2.position).toEqual({ partition: 1, offset: 6 });
    expect(s2.updatedAtMs).toBe(99);
  });
});

describe('isDuplicateEvent', () => {
  it('recognises an eventId within the last eventIdWindow applied events, whatever its item, type and time', () => {
    let state = createUserState('u', 2);
    const first = ev('a', 'click', T0);
    state = applyEvent(state, first, ex, params);
    expect(isDuplicateEvent(state, first)).toBe(true);
    expect(isDuplicateEvent(state, { ...first, itemId: 'z', ts: T0 + 5 })).toBe(true);
    // Another event at the same item, type and millisecond is another event.
    expect(isDuplicateEvent(state, { ...first, eventId: 'other' })).toBe(false);
    for (let i = 0; i < 2; i++) state = applyEvent(state, ev('b', 'view', T0 + i), ey, params);
    expect(isDuplicateEvent(state, first)).toBe(true);
    // The window holds 3: a fourth event pushes the first out.
    state = applyEvent(state, ev('c', 'view', T0 + 9), ey, params);
    expect(state.eventIds).toHaveLength(3);
    expect(isDuplicateEvent(state, first)).toBe(false);
  });
});

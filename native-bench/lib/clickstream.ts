import type { ClickEvent, EventType } from '../../src/core/events.ts';
import { createRng } from './stats.ts';

/**
 * Seeded synthetic clickstream for load: users `user-<n>`, items `item-<n>` picked with a
 * Zipf-like skew (a few popular items, a long tail), mostly views and clicks.
 */
export interface ClickstreamOptions {
  users: number;
  items: number;
  seed: number;
  /** Event time of the first event, epoch ms; later events are 1 ms apart. */
  startTs: number;
}

const TYPES: ReadonlyArray<[EventType, number]> = [
  ['view', 0.7],
  ['click', 0.2],
  ['add_to_cart', 0.06],
  ['purchase', 0.03],
  ['dislike', 0.01],
];

export function createClickstream(o: ClickstreamOptions): { next(userIndex?: number): ClickEvent; readonly produced: number } {
  const rng = createRng(o.seed);
  let seq = 0;
  const pickType = (): EventType => {
    let r = rng();
    for (const [t, p] of TYPES) {
      if (r < p) return t;
      r -= p;
    }
    return 'view';
  };
  return {
    get produced() {
      return seq;
    },
    next(userIndex) {
      const u = userIndex ?? Math.floor(rng() * o.users);
      // rng()^3 skews towards 0: item 0 is the most popular.
      const item = Math.floor(rng() ** 3 * o.items);
      const n = seq++;
      return { eventId: `e-${o.seed}-${n}`, userId: `user-${u}`, itemId: `item-${item}`, type: pickType(), ts: o.startTs + n };
    },
  };
}

export function itemId(i: number): string {
  return `item-${i}`;
}

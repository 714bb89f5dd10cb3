import { eventIdHash } from './item-hash.ts';

/**
 * Which events are their user's first, for a process that reads the clickstream but not users'
 * states (the API's trending feed, whose cold choice counts newcomers' first clicks apart:
 * cold-choice.ts). A user is remembered by a 32-bit hash of the id in one of two generations;
 * when the newer holds `usersPerGeneration` users it becomes the older and the older is
 * dropped, so memory stays bounded (two tables of 2^21 four-byte slots at the default
 * 1,000,000: 16 MB) and a user is remembered while active among the last 1–2 ×
 * usersPerGeneration distinct users. A user not remembered counts as new: a returning visitor
 * after that long enters like one. Two ids sharing a hash make the second one's first event look
 * like a return (with 1–2 million users remembered, one newcomer in 2,000–4,000).
 */
export interface FirstSeen {
  /** True when `userId` is not remembered (its first event); remembers it either way. */
  first(userId: string): boolean;
  /** Users remembered now. */
  readonly size: number;
  /** The users remembered, by hash: what a successor restores so returning visitors stay returning across a restart. */
  snapshot(): FirstSeenSnapshot;
}

/** Remembered users' id hashes (never 0), each generation in no particular order. */
export interface FirstSeenSnapshot {
  newer: Int32Array;
  older: Int32Array;
}

export const DEFAULT_USERS_PER_GENERATION = 1_000_000;

/**
 * `restored`: a predecessor's snapshot, remembered older generation first, so with the same
 * `usersPerGeneration` the generations come back as they were (with a smaller one, the newest).
 */
export function createFirstSeen(usersPerGeneration: number = DEFAULT_USERS_PER_GENERATION, restored?: FirstSeenSnapshot): FirstSeen {
  const cap = Math.max(1, Math.floor(usersPerGeneration));
  // Open addressing at most half full; 0 marks an empty slot, so a hash of 0 is stored as 1.
  let slots = 2;
  while (slots < 2 * cap) slots *= 2;
  let newer = new HashSet(slots);
  let older: HashSet | undefined;
  // Adds `h`, which the newer generation does not hold, rotating the generations when it is full.
  const remember = (h: number) => {
    if (newer.count >= cap) {
      older = newer;
      newer = new HashSet(slots);
    }
    newer.add(h);
  };
  if (restored) for (const generation of [restored.older, restored.newer]) for (const h of generation) if (h !== 0 && !newer.has(h)) remember(h);
  return {
    first(userId) {
      const h = eventIdHash(userId) | 0 || 1;
      if (newer.has(h)) return false;
      const known = older?.has(h) ?? false;
      remember(h);
      return !known;
    },
    get size() {
      return newer.count + (older?.count ?? 0);
    },
    snapshot: () => ({ newer: newer.hashes(), older: older?.hashes() ?? new Int32Array(0) }),
  };
}

class HashSet {
  private readonly keys: Int32Array;
  private readonly mask: number;
  count = 0;

  constructor(slots: number) {
    this.keys = new Int32Array(slots);
    this.mask = slots - 1;
  }

  private slotOf(h: number): number {
    let at = Math.imul(h, 0x9e3779b1) & this.mask;
    while (this.keys[at] !== 0 && this.keys[at] !== h) at = (at + 1) & this.mask;
    return at;
  }

  has(h: number): boolean {
    return this.keys[this.slotOf(h)] === h;
  }

  add(h: number): void {
    const at = this.slotOf(h);
    if (this.keys[at] === h) return;
    this.keys[at] = h;
    this.count++;
  }

  /** The stored hashes, in slot order. */
  hashes(): Int32Array {
    const { keys } = this;
    const out = new Int32Array(this.count);
    let n = 0;
    for (let at = 0; at < keys.length; at++) {
      const h = keys[at]!;
      out[n] = h;
      n += h !== 0 ? 1 : 0;
    }
    return out;
  }
}

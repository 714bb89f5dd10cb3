import type { EventWeights } from './events.ts';
import { kthLargest, TopK } from './index-common.ts';
import { createItemNumbers } from './co-visitation.ts';
import type { HistoryEntry } from './user-state.ts';

/**
 * The session-neighbourhood candidate source: V-SKNN (Ludewig & Jannach 2018) learned online.
 * Every user's recent distinct positive items are remembered as a "session"; a user's
 * candidates are the items of the sessions that share the most (recency-weighted) items with
 * their own recent history. Where co-visitation rules see what follows an item, neighbour
 * sessions see a whole taste at once: with broad tastes (many items a user could go on to, each
 * rarely seen after any one item) the rules spread thin and the neighbours do not.
 */
export interface SessionNeighbourParams {
  /** Sessions remembered; the least recently active is forgotten first. Bounds memory. */
  maxSessions: number;
  /** Distinct items remembered per session (its newest). */
  itemsPerSession: number;
  /** Sessions remembered per item (the most recently active to touch it). */
  sessionsPerItem: number;
  /** Most recently active sessions, among those sharing an item, that may be neighbours. */
  sampleSize: number;
  /** Neighbour sessions whose items are scored. */
  neighbours: number;
  /**
   * Newest distinct positive items of the user's history that look for neighbours. Older ones
   * weigh little (position p of n weighs p / n) and cost as much: on MovieLens, 20 instead of
   * all 50 kept HR@10 (0.1778 on the validation prefix) at 1.25x the replay speed.
   */
  recentItems: number;
}

/**
 * The reference implementation's neighbours and sample (session-rec's vsknn: k 100, sample 500;
 * 1,000 sessions per item). Half of each scored the same on the validation prefixes of ML-100K,
 * DIGINETICA and two synthetic streams but 0.0015–0.002 HR@10 lower on the reported replays, and
 * bought the learner no measurable throughput (pipeline bench: 11,200 vs 10,300 events/s, noise).
 * Memory: a session's items cost ~8 bytes each, an item's holder entries 8 bytes each (≤ 2,000
 * per item); 300,000 sessions of ≤ 100 items stay under ~0.5 GB per process holding the index
 * (shop sessions of a few items, a small part of that). 100 items, not fewer: on MovieLens,
 * where a "session" is a user's history, 20 lost 0.03 HR@10 and 100 gained 0.005 over 50.
 */
export const DEFAULT_SESSION_NEIGHBOUR_PARAMS: SessionNeighbourParams = Object.freeze({
  maxSessions: 300_000,
  itemsPerSession: 100,
  sessionsPerItem: 1000,
  sampleSize: 500,
  neighbours: 100,
  recentItems: 20,
});

/** What the recommender reads: candidates for one user's recent history. */
export interface SessionNeighbourSource {
  /**
   * The `limit` best candidates passing `accept`, in no particular order (the recommender
   * ranks them with the other sources' candidates), as a distribution: each neighbour session
   * spreads its similarity over its items, and the scores are divided by the total, so they sum
   * to at most 1 over all items (a scale comparable to co-visitation scores). The user's own
   * session (`userId`) is never its neighbour. Empty when nothing is shared.
   */
  scores(userId: string, history: readonly HistoryEntry[], weights: EventWeights, limit: number, accept: (itemId: string) => boolean): Map<string, number>;
  /** Ids of items the source knows whose itemHash is `hash` (resolves stored rankings). */
  idsWithHash(hash: number): readonly string[];
}

export interface SessionNeighbours extends SessionNeighbourSource {
  /** Remembers one positive event (the caller skips events whose weight is not positive). */
  observe(userId: string, itemId: string): void;
  readonly sessions: number;
  readonly items: number;
}

// Catalogues up to this many items accumulate scores in a dense array (8 bytes per item).
const DENSE_ITEMS = 65_536;

const SLOT_FIELDS = 4;
const GEN = 0;
const SEQ = 1;
const SIM = 2;
const POS = 3;

/**
 * An item's sessions, oldest first: each entry is a session's slot and the slot's generation,
 * so an entry left behind by a forgotten session is recognised when its slot is reused.
 * Trimmed to the newest `cap` when it reaches 2 × cap (amortised O(1) per push).
 */
class HolderList {
  slots = new Int32Array(4);
  gens = new Int32Array(4);
  size = 0;

  push(slot: number, gen: number, cap: number): void {
    if (this.size === this.slots.length) {
      const grown = Math.min(this.slots.length * 2, 2 * cap);
      const slots = new Int32Array(grown);
      slots.set(this.slots);
      this.slots = slots;
      const gens = new Int32Array(grown);
      gens.set(this.gens);
      this.gens = gens;
    }
    this.slots[this.size] = slot;
    this.gens[this.size] = gen;
    this.size++;
    if (this.size >= 2 * cap) {
      this.slots.copyWithin(0, this.size - cap, this.size);
      this.gens.copyWithin(0, this.size - cap, this.size);
      this.size = cap;
    }
  }
}

/**
 * `denseItems`: catalogues up to this many items accumulate in a dense array, larger ones in a
 * hash table (same scores; tests set it to compare the two).
 */
export function createSessionNeighbours(params: SessionNeighbourParams = DEFAULT_SESSION_NEIGHBOUR_PARAMS, denseItems = DENSE_ITEMS): SessionNeighbours {
  const maxSessions = Math.max(1, params.maxSessions);
  const itemsCap = Math.max(1, params.itemsPerSession);
  const holdersCap = Math.max(1, params.sessionsPerItem);
  const holders: HolderList[] = [];
  const numbers = createItemNumbers(() => holders.push(new HolderList()));
  /** userId → slot; Map order is recency of activity (touched sessions are re-inserted). */
  const slotOf = new Map<string, number>();
  const slotItems: number[][] = [];
  const freeSlots: number[] = [];
  // Per slot, side by side so a candidate costs one cache line, not four: the generation, the
  // sequence number of its last event, and one scores() call's similarity and latest shared position.
  let slotData = new Float64Array(SLOT_FIELDS * 1024);
  // Scratch of one scores() call: each candidate item's summed share.
  const acc = new ScoreTable();
  let seq = 0;

  const growSlots = (need: number) => {
    if (SLOT_FIELDS * need < slotData.length) return;
    const grown = new Float64Array(Math.max(SLOT_FIELDS * (need + 1), slotData.length * 2));
    grown.set(slotData);
    slotData = grown;
  };

  const slotFor = (userId: string): number => {
    const known = slotOf.get(userId);
    if (known !== undefined) {
      slotOf.delete(userId);
      slotOf.set(userId, known);
      return known;
    }
    if (slotOf.size >= maxSessions) {
      const [oldest, slot] = slotOf.entries().next().value as [string, number];
      slotOf.delete(oldest);
      slotData[SLOT_FIELDS * slot + GEN]! += 1;
      slotItems[slot] = [];
      freeSlots.push(slot);
    }
    const slot = freeSlots.pop() ?? slotItems.length;
    if (slot === slotItems.length) slotItems.push([]);
    growSlots(slot);
    slotOf.set(userId, slot);
    return slot;
  };


  /**
   * Adds every neighbour's share to `acc` (emptied first; the caller reads it) and returns
   * the shares' total; `own` holds the user's items that looked (never candidates):
   * the current session is the positive history, position p of n weighing p / n (V-SKNN's 'div').
   */
  // Scratch of one call, grown on demand: candidate slots and their fields, the chosen ones.
  let cand = new Int32Array(256);
  let seqs = new Float64Array(256);
  let sims = new Float64Array(256);
  let steps = new Float64Array(256);
  let work = new Float64Array(256);
  let chosen = new Int32Array(256);
  const own: number[] = [];
  // Per item number: 1 while the item is one of `own` (scores' scan), else 0.
  let isOwn = new Uint8Array(1024);
  const accumulate = (userId: string, history: readonly HistoryEntry[], weights: EventWeights): number => {
    acc.clear();
    own.length = 0;
    const self = slotOf.get(userId);
    let n = 0;
    for (const h of history) if (weights[h.type] > 0) n++;
    if (n === 0) return 0;
    let count = 0;
    const data = slotData;
    let p = n + 1;
    for (let j = history.length - 1; j >= 0; j--) {
      const h = history[j]!;
      if (!(weights[h.type] > 0)) continue;
      p--;
      const item = numbers.numberOf(h.itemId);
      if (item === undefined || own.includes(item)) continue;
      if (own.length >= params.recentItems) break;
      own.push(item);
      const w = p / n;
      const { slots, gens, size } = holders[item]!;
      for (let e = Math.max(0, size - holdersCap); e < size; e++) {
        const slot = slots[e]!;
        const at = SLOT_FIELDS * slot;
        if (slot === self || gens[e] !== data[at + GEN]) continue;
        if (data[at + POS] === 0) {
          if (count === cand.length) cand = grownInts(cand);
          cand[count++] = slot;
          data[at + POS] = p; // positions are visited newest first: the first is the latest shared
        }
        data[at + SIM]! += w;
      }
    }
    if (count === 0) return 0;
    if (seqs.length < count) {
      const size = cand.length;
      seqs = new Float64Array(size);
      sims = new Float64Array(size);
      steps = new Float64Array(size);
      work = new Float64Array(size);
      chosen = new Int32Array(size);
    }
    for (let c = 0; c < count; c++) {
      const at = SLOT_FIELDS * cand[c]!;
      seqs[c] = data[at + SEQ]!;
      sims[c] = data[at + SIM]!;
      steps[c] = n - data[at + POS]! + 1;
      data[at + SIM] = 0;
      data[at + POS] = 0;
    }
    const picked = selectNeighbours(count, seqs, sims, params.sampleSize, params.neighbours, work, chosen);
    let entries = 0;
    for (let i = 0; i < picked; i++) entries += slotItems[cand[chosen[i]!]!]!.length;
    acc.reset(entries, numbers.ids.length <= denseItems ? numbers.ids.length : undefined);
    const distinct = own.length;
    let total = 0;
    for (let i = 0; i < picked; i++) {
      const c = chosen[i]!;
      const amount = sims[c]! / distinct / steps[c]!;
      const items = slotItems[cand[c]!]!;
      acc.addAll(items, amount);
      total += amount * items.length;
    }
    return total;
  };


  return {
    get sessions() {
      return slotOf.size;
    },
    get items() {
      return numbers.ids.length;
    },
    idsWithHash: numbers.idsWithHash,
    observe(userId, itemId) {
      const item = numbers.intern(itemId);
      const slot = slotFor(userId);
      slotData[SLOT_FIELDS * slot + SEQ] = ++seq;
      const items = slotItems[slot]!;
      const at = items.indexOf(item);
      if (at >= 0) {
        // Already in the session: it moves to the newest end; its holder entry stays.
        items.splice(at, 1);
        items.push(item);
        return;
      }
      items.push(item);
      if (items.length > itemsCap) items.shift();
      holders[item]!.push(slot, slotData[SLOT_FIELDS * slot + GEN]!, holdersCap);
    },
    scores(userId, history, weights, limit, accept) {
      const out = new Map<string, number>();
      if (limit <= 0) return out;
      const total = accumulate(userId, history, weights);
      const top = new TopK(limit);
      // The user's own items are never candidates: marked for the scan, unmarked after.
      if (isOwn.length < numbers.ids.length) isOwn = grownBytes(isOwn, numbers.ids.length);
      for (const item of own) isOwn[item] = 1;
      const { keys, values, used, usedCount, dense } = acc;
      for (let u = 0; u < usedCount; u++) {
        const at = used[u]!;
        const v = values[at]!;
        if (!top.wouldAccept(v)) continue;
        const item = dense ? at : keys[at]!;
        if (isOwn[item] === 1) continue;
        const id = numbers.ids[item]!;
        if (accept(id)) top.push(id, v);
      }
      for (const item of own) isOwn[item] = 0;
      if (total > 0) top.forEach((itemId, score) => out.set(itemId, score / total));
      return out;
    },
  };
}

/**
 * Item number → summed share. Over a catalogue of at most DENSE_ITEMS items, a dense array
 * indexed by item number (≤ 512 KB, in cache); past it, open addressing over a power-of-two
 * table sized to one call's entries, which stays in cache where a dense array over every item
 * would miss on each add. Either way `used` lists the occupied positions in insertion order.
 */
class ScoreTable {
  keys = new Int32Array(1024).fill(-1);
  values = new Float64Array(1024);
  /** Occupied positions, in insertion order: the first `usedCount` (a typed array: a push is a store). */
  used = new Int32Array(1024);
  usedCount = 0;
  /** Dense tables index by item number and hold no `keys`: a position is its key. */
  dense = false;

  /** Empties the table. */
  clear(): void {
    const { keys, values, used, usedCount, dense } = this;
    for (let u = 0; u < usedCount; u++) {
      const at = used[u]!;
      if (!dense) keys[at] = -1;
      values[at] = 0;
    }
    this.usedCount = 0;
  }

  /** Empties the table, with room for `entries` distinct keys; dense over item numbers below `denseItems` when given. */
  reset(entries: number, denseItems?: number): void {
    this.clear();
    const dense = denseItems !== undefined;
    const size = dense ? denseItems : 2 * entries;
    if (size > this.values.length || dense !== this.dense) {
      let grown = 1024;
      while (grown < size) grown *= 2;
      this.keys = new Int32Array(dense ? 0 : grown).fill(-1);
      this.values = new Float64Array(grown);
      this.dense = dense;
    }
    // Distinct keys are at most the adds, and at most the dense table's items.
    const distinct = dense ? Math.min(entries, denseItems) : entries;
    if (distinct > this.used.length) {
      let grown = this.used.length;
      while (grown < distinct) grown *= 2;
      this.used = new Int32Array(grown);
    }
  }

  /** A hash table's position for `key` (dense tables never look up). */
  private find(key: number): number {
    const mask = this.keys.length - 1;
    let at = Math.imul(key, 0x9e3779b1) & mask;
    while (this.keys[at] !== key && this.keys[at] !== -1) at = (at + 1) & mask;
    return at;
  }

  /** add(key, amount) for every key of `keys`, in order; over a dense table without a lookup per key. */
  addAll(keys: readonly number[], amount: number): void {
    if (!this.dense) {
      for (let t = 0; t < keys.length; t++) this.add(keys[t]!, amount);
      return;
    }
    // Amounts are positive, so a zero value marks a key not added yet; the key is its own
    // position. Each key is written to `used` and kept only when new, without a branch to
    // mispredict (one add in six is new on MovieLens). A write one past the end of `used`
    // (every key already in it) is a typed array's no-op.
    const { values, used } = this;
    let count = this.usedCount;
    for (let t = 0; t < keys.length; t++) {
      const key = keys[t]!;
      const v = values[key]!;
      used[count] = key;
      count += v === 0 ? 1 : 0;
      values[key] = v + amount;
    }
    this.usedCount = count;
  }

  /** One add to a hash table. */
  private add(key: number, amount: number): void {
    const at = this.find(key);
    if (this.keys[at] === -1) {
      this.keys[at] = key;
      this.used[this.usedCount++] = at;
    }
    this.values[at]! += amount;
  }
}

/**
 * Of candidates 0..count-1 (their last-event sequence numbers and similarities): the
 * `sampleSize` most recently active, then the `neighbours` most similar of those (ties: more
 * recent). Writes the chosen candidates to `chosen` and returns how many; `work` is scratch.
 */
function selectNeighbours(count: number, seqs: Float64Array, sims: Float64Array, sampleSize: number, neighbours: number, work: Float64Array, chosen: Int32Array): number {
  let m = 0;
  if (count > sampleSize) {
    work.set(seqs.subarray(0, count));
    const oldestKept = kthLargest(work.subarray(0, count), sampleSize);
    for (let c = 0; c < count; c++) if (seqs[c]! >= oldestKept) chosen[m++] = c;
  } else {
    for (let c = 0; c < count; c++) chosen[m++] = c;
  }
  if (m <= neighbours) return m;
  for (let i = 0; i < m; i++) work[i] = sims[chosen[i]!]!;
  const kth = kthLargest(work.subarray(0, m), neighbours);
  let out = 0;
  const tied: number[] = [];
  for (let i = 0; i < m; i++) {
    const c = chosen[i]!;
    if (sims[c]! > kth) chosen[out++] = c; // out ≤ i: nothing unread is overwritten
    else if (sims[c] === kth) tied.push(c);
  }
  tied.sort((a, b) => seqs[b]! - seqs[a]!);
  for (let t = 0; t < tied.length && out < neighbours; t++) chosen[out++] = tied[t]!;
  return out;
}

function grownBytes(a: Uint8Array<ArrayBuffer>, need: number): Uint8Array<ArrayBuffer> {
  let size = a.length;
  while (size < need) size *= 2;
  const grown = new Uint8Array(size);
  grown.set(a);
  return grown;
}

function grownInts(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(a.length * 2);
  grown.set(a);
  return grown;
}

/**
 * A 30-bit FNV-1a hash of an item id: what a user's `seen` list stores instead of the id.
 *
 * Why: `seen` holds up to SEEN_CAP (200) items per user and is read and rewritten with every
 * event batch. As strings it cost ~11 bytes per entry with short ids and 37 with UUIDs, so a
 * user at both caps took 3.1 KB of Redis; as hashes it is 4 bytes per entry whatever the id.
 * The HNSW filter also compares hashes by label, where it used to look every seen id up in the
 * 100k-entry id map per list. 30 bits keep the value a V8 small integer (no heap number per
 * entry). Two ids sharing a hash only means an unseen item can be skipped as seen: with 200
 * seen entries, about one candidate in five million.
 */
export function itemHash(itemId: string): number {
  return fnv1a32(itemId) & 0x3fffffff;
}

/**
 * A 32-bit FNV-1a hash of an eventId: what a user's idempotency window stores (4 bytes per
 * entry whatever the id). Two ids sharing a hash make an event look applied: with a window of
 * W entries, about W / 2^32 per event (one in 268 million at 16).
 */
export function eventIdHash(eventId: string): number {
  return fnv1a32(eventId);
}

function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

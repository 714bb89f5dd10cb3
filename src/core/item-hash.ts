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
  let h = 0x811c9dc5;
  for (let i = 0; i < itemId.length; i++) {
    h ^= itemId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h & 0x3fffffff;
}

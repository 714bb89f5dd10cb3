import { itemHash } from '../../core/item-hash.ts';
import type { HistoryEntry } from '../../core/user-state.ts';

/**
 * Seen without the part the history already says. The learner moves every item a user's event
 * marks to the newest end of `seen` (core/learner.ts), so the newest entries of a busy user's
 * seen list are the items of their recent history, which the record holds anyway. Storing only
 * the other entries (the prefix) saves 4 bytes per distinct history item: at both caps (history
 * 50, seen 200) up to 200 bytes, the room a stored ranking needs within the 2 KB per user.
 *
 * Exact or not at all: compactSeen returns a prefix only when expandSeen gives back the very
 * same list, so a learner with other marking rules (an event weight set to 0, say) simply keeps
 * its full list.
 */
export function compactSeen(seen: readonly number[], history: readonly HistoryEntry[]): number[] | undefined {
  const tail = new Set(historyTail(history));
  if (tail.size === 0) return undefined;
  const prefix = seen.filter((h) => !tail.has(h));
  if (prefix.length === seen.length) return undefined;
  const back = expandSeen(prefix, history, seen.length);
  return back.length === seen.length && back.every((h, i) => h === seen[i]) ? prefix : undefined;
}

/** The seen list of `length` entries from its stored prefix and the history. */
export function expandSeen(prefix: readonly number[], history: readonly HistoryEntry[], length: number): number[] {
  const tail = historyTail(history);
  const inTail = new Set(tail);
  const out = prefix.filter((h) => !inTail.has(h)).concat(tail);
  return out.length > length ? out.slice(out.length - length) : out;
}

/** itemHash of the history's marking entries (all but remove_from_cart), each once, in the order of their last touch. */
function historyTail(history: readonly HistoryEntry[]): number[] {
  const tail: number[] = [];
  const taken = new Set<number>();
  for (let i = history.length - 1; i >= 0; i--) {
    const h = history[i]!;
    if (h.type === 'remove_from_cart') continue;
    const hash = itemHash(h.itemId);
    if (taken.has(hash)) continue;
    taken.add(hash);
    tail.push(hash);
  }
  return tail.reverse();
}

import type { EventType } from '../core/events.ts';
import { SKIP, bad, parseIntField, rowEvent, type RowContext, type RowParser } from './formats.ts';

/**
 * Taobao UserBehavior.csv: `user,item,category,behavior,seconds`, no header.
 * Behaviours: pv → view, fav → click (an explicit interest, weaker than a cart),
 * cart → add_to_cart, buy → purchase. The category column is dropped (not in the event schema).
 */
const BEHAVIOR_TYPES: Readonly<Record<string, EventType>> = { pv: 'view', fav: 'click', cart: 'add_to_cart', buy: 'purchase' };

export function createTaobaoParser(ctx: RowContext): RowParser {
  return (line, lineNo) => {
    if (line.trim() === '') return SKIP;
    const fields = line.split(',').map((f) => f.trim());
    if (lineNo === 1 && /^user/i.test(fields[0] ?? '')) return SKIP;
    if (fields.length !== 5) return bad(`expected 5 fields (user, item, category, behavior, seconds), got ${fields.length}`);
    const [user, item, , behavior, secondsText] = fields as [string, string, string, string, string];
    const type = BEHAVIOR_TYPES[behavior];
    if (type === undefined) return bad('behavior must be one of pv, fav, cart, buy');
    const seconds = parseIntField(secondsText);
    if (seconds === undefined || seconds <= 0) return bad('timestamp is not a positive integer of seconds');
    return rowEvent(ctx, lineNo, { userId: user, itemId: item, type, ts: seconds * 1000 });
  };
}

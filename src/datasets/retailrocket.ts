import type { EventType } from '../core/events.ts';
import { SKIP, bad, parseIntField, rowEvent, type RowContext, type RowParser } from './formats.ts';

/**
 * RetailRocket events.csv: header `timestamp,visitorid,event,itemid,transactionid`,
 * timestamp in epoch milliseconds. Events: view → view, addtocart → add_to_cart,
 * transaction → purchase. The transaction id is dropped.
 */
const EVENT_TYPES_BY_NAME: Readonly<Record<string, EventType>> = {
  view: 'view',
  addtocart: 'add_to_cart',
  transaction: 'purchase',
};

export function createRetailrocketParser(ctx: RowContext): RowParser {
  return (line, lineNo) => {
    if (line.trim() === '') return SKIP;
    const fields = line.split(',').map((f) => f.trim());
    if (/^timestamp$/i.test(fields[0] ?? '')) return SKIP;
    if (fields.length !== 5 && fields.length !== 4) {
      return bad(`expected 5 fields (timestamp, visitorid, event, itemid, transactionid), got ${fields.length}`);
    }
    const [tsText, visitor, event, item] = fields as [string, string, string, string];
    const type = EVENT_TYPES_BY_NAME[event];
    if (type === undefined) return bad('event must be one of view, addtocart, transaction');
    const ts = parseIntField(tsText);
    if (ts === undefined || ts <= 0) return bad('timestamp is not a positive integer of milliseconds');
    return rowEvent(ctx, lineNo, { userId: visitor, itemId: item, type, ts });
  };
}

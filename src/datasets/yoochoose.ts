import { SKIP, bad, parseIntField, rowEvent, type RowContext, type RowParser } from './formats.ts';

/**
 * YOOCHOOSE (RecSys Challenge 2015). Clicks: `session,timestamp,item,category` with an
 * ISO-8601 timestamp → type click. Buys rows (`session,timestamp,item,price,quantity`)
 * are read too → purchase with value = price. Each session is a user (the dataset has
 * no user ids), and also the event's sessionId. The category column is not part of the
 * event schema and is dropped.
 */
export function createYoochooseParser(ctx: RowContext): RowParser {
  return (line, lineNo) => {
    if (line.trim() === '') return SKIP;
    const fields = line.split(',').map((f) => f.trim());
    if (lineNo === 1 && /^session/i.test(fields[0] ?? '')) return SKIP;
    if (fields.length !== 4 && fields.length !== 5) {
      return bad(`expected 4 fields (session, timestamp, item, category) or 5 (buys), got ${fields.length}`);
    }
    const [session, time, item] = fields as [string, string, string];
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.test(time)) {
      return bad('timestamp is not ISO-8601 (example: 2014-04-07T10:51:09.277Z)');
    }
    const ts = Date.parse(/Z$|[+-]\d{2}:?\d{2}$/.test(time) ? time : `${time}Z`);
    if (!Number.isFinite(ts)) return bad('timestamp is not a valid date');
    if (fields.length === 4) return rowEvent(ctx, lineNo, { userId: session, itemId: item, type: 'click', ts, sessionId: session });
    const price = Number(fields[3]);
    const quantity = parseIntField(fields[4]);
    if (!Number.isFinite(price) || quantity === undefined) return bad('buys row needs a numeric price and an integer quantity');
    return rowEvent(ctx, lineNo, { userId: session, itemId: item, type: 'purchase', ts, sessionId: session, value: price });
  };
}

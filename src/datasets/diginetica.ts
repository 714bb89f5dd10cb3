import { SKIP, bad, parseIntField, rowEvent, type RowContext, type RowParser } from './formats.ts';

const DAY_MS = 86_400_000;

/**
 * DIGINETICA (CIKM Cup 2016) train-item-views.csv: `;`-separated, header
 * `session_id;user_id;item_id;timeframe;eventdate` → type view, sessionId = session_id.
 * Anonymous rows (`NA` or empty user_id) get userId `s:<session_id>`, which no numeric user
 * id can equal. ts = eventdate (UTC midnight) + timeframe ms. On the sample file timeframe
 * is the offset from the session's start (at most ~20 min, distinct within a session), and a
 * session crossing midnight carries the next date on its later views, so within every
 * session time order is timeframe order; sessions of the same day all start at its
 * midnight, so across sessions the order within a day is not the real one.
 */
export function createDigineticaParser(ctx: RowContext): RowParser {
  return (line, lineNo) => {
    if (line.trim() === '') return SKIP;
    const fields = line.split(';').map((f) => f.trim());
    if (/^session_?id$/i.test(fields[0] ?? '')) return SKIP;
    if (fields.length !== 5) return bad(`expected 5 fields (session_id;user_id;item_id;timeframe;eventdate), got ${fields.length}`);
    const [session, user, item, timeframeText, date] = fields as [string, string, string, string, string];
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return bad('eventdate is not YYYY-MM-DD');
    const day = Date.parse(`${date}T00:00:00Z`);
    if (!Number.isFinite(day)) return bad('eventdate is not a valid date');
    const timeframe = parseIntField(timeframeText);
    if (timeframe === undefined || timeframe < 0 || timeframe >= DAY_MS) return bad('timeframe is not milliseconds within a day');
    const userId = user === '' || user === 'NA' ? `s:${session}` : user;
    return rowEvent(ctx, lineNo, { userId, itemId: item, type: 'view', ts: day + timeframe, sessionId: session });
  };
}

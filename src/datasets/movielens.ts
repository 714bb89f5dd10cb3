import type { EventType } from '../core/events.ts';
import { SKIP, bad, parseIntField, rowEvent, type RowContext, type RowParser } from './formats.ts';

/**
 * MovieLens ratings: u.data (`user<TAB>item<TAB>rating<TAB>seconds`), ratings.dat
 * (`user::item::rating::seconds`) and ratings.csv (`userId,movieId,rating,timestamp`
 * with a header). A rating says the user watched the film; its strength sets the type:
 * rating >= 4 → purchase (a strong positive), 3 → click, <= 2 → view (watched, weak).
 * The rating itself is kept in `value`.
 */
export function movielensType(rating: number): EventType {
  if (rating >= 4) return 'purchase';
  if (rating >= 3) return 'click';
  return 'view';
}

export function createMovielensParser(ctx: RowContext): RowParser {
  return (line, lineNo) => {
    if (line.trim() === '') return SKIP;
    const fields = line.includes('::') ? line.split('::') : line.includes('\t') ? line.split('\t') : line.split(',');
    if (lineNo === 1 && /^\s*user/i.test(fields[0] ?? '')) return SKIP;
    if (fields.length !== 4) return bad(`expected 4 fields (user, item, rating, seconds), got ${fields.length}`);
    const [user, item, ratingText, secondsText] = fields.map((f) => f.trim()) as [string, string, string, string];
    const rating = Number(ratingText);
    if (ratingText === '' || !Number.isFinite(rating) || rating < 0 || rating > 10) {
      return bad('rating is not a number from 0 to 10');
    }
    const seconds = parseIntField(secondsText);
    if (seconds === undefined || seconds <= 0) return bad('timestamp is not a positive integer of seconds');
    return rowEvent(ctx, lineNo, { userId: user, itemId: item, type: movielensType(rating), ts: seconds * 1000, value: rating });
  };
}

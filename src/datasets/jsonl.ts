import { parseEvent } from '../core/events.ts';
import { SKIP, bad, type RowContext, type RowParser } from './formats.ts';

/** The project's own schema, one JSON ClickEvent per line (what `simulate` writes). */
export function createJsonlParser(ctx: RowContext): RowParser {
  return (line) => {
    if (line.trim() === '') return SKIP;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return bad('not valid JSON');
    }
    const parsed = parseEvent(raw, ctx.nowMs);
    return parsed.ok ? { kind: 'event', event: parsed.event } : bad(parsed.reason);
  };
}

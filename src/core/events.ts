/** The clickstream event schema (ARCHITECTURE.md) and its validation. Pure. */
export const EVENT_TYPES = ['view', 'click', 'add_to_cart', 'purchase', 'remove_from_cart', 'dislike'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface ClickEvent {
  eventId: string;
  userId: string;
  itemId: string;
  type: EventType;
  /** Epoch milliseconds. */
  ts: number;
  sessionId?: string;
  value?: number;
}

export type EventWeights = Readonly<Record<EventType, number>>;

export const DEFAULT_EVENT_WEIGHTS: EventWeights = Object.freeze({
  view: 1,
  click: 2,
  add_to_cart: 4,
  purchase: 8,
  remove_from_cart: -2,
  dislike: -4,
});

/** Ids are opaque strings; this bounds them so one key cannot bloat Redis or logs. */
export const ID_MAX_LENGTH = 128;
const ID_PATTERN = /^[\p{L}\p{N}_\-.:@/+=~]+$/u;
// Before 1990-01-01 or more than a day in the future is almost surely a unit mistake (s vs ms:
// any seconds value before the year 2286 is below 1e10). 1990, not 2000: MovieLens has 1990s data.
const TS_MIN_MS = 631_152_000_000;
const TS_FUTURE_SLACK_MS = 86_400_000;

export type ParseResult = { ok: true; event: ClickEvent } | { ok: false; reason: string };

export function validateId(value: unknown, field: string): string | undefined {
  if (typeof value !== 'string') return `${field} must be a string, got ${describe(value)}`;
  if (value.length === 0) return `${field} must not be empty`;
  if (value.length > ID_MAX_LENGTH) return `${field} is ${value.length} characters, the limit is ${ID_MAX_LENGTH}`;
  if (!ID_PATTERN.test(value)) return `${field} has characters outside letters, digits and _-.:@/+=~`;
  return undefined;
}

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/** Validates an already-decoded message; `nowMs` bounds timestamps from the future. */
export function parseEvent(raw: unknown, nowMs: number = Date.now()): ParseResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, reason: `event must be an object, got ${describe(raw)}` };
  }
  const r = raw as Record<string, unknown>;
  for (const field of ['eventId', 'userId', 'itemId'] as const) {
    const problem = validateId(r[field], field);
    if (problem) return { ok: false, reason: problem };
  }
  if (!isEventType(r.type)) {
    return { ok: false, reason: `type must be one of ${EVENT_TYPES.join(', ')}, got ${describe(r.type)}` };
  }
  const ts = r.ts;
  if (typeof ts !== 'number' || !Number.isFinite(ts) || !Number.isInteger(ts)) {
    return { ok: false, reason: `ts must be an integer epoch-milliseconds number, got ${describe(ts)}` };
  }
  if (ts < TS_MIN_MS || ts > nowMs + TS_FUTURE_SLACK_MS) {
    return { ok: false, reason: `ts ${ts} is not a plausible epoch-milliseconds time (seconds instead of ms?)` };
  }
  const event: ClickEvent = {
    eventId: r.eventId as string,
    userId: r.userId as string,
    itemId: r.itemId as string,
    type: r.type,
    ts,
  };
  if (r.sessionId !== undefined && r.sessionId !== null) {
    const problem = validateId(r.sessionId, 'sessionId');
    if (problem) return { ok: false, reason: problem };
    event.sessionId = r.sessionId as string;
  }
  if (r.value !== undefined && r.value !== null) {
    if (typeof r.value !== 'number' || !Number.isFinite(r.value)) {
      return { ok: false, reason: `value must be a finite number, got ${describe(r.value)}` };
    }
    event.value = r.value;
  }
  return { ok: true, event };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

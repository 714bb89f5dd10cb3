import { parseEvent, type ClickEvent, type EventType } from '../core/events.ts';

/** The dataset formats `feed`, `train` and `eval` read (ARCHITECTURE.md). */
export const DATASET_FORMATS = ['movielens', 'yoochoose', 'taobao', 'retailrocket', 'diginetica', 'jsonl'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export function isDatasetFormat(value: unknown): value is DatasetFormat {
  return typeof value === 'string' && (DATASET_FORMATS as readonly string[]).includes(value);
}

/** What one line turned into: an event, nothing (blank line, header), or a bad row with its reason. */
export type RowResult = { kind: 'event'; event: ClickEvent } | { kind: 'skip' } | { kind: 'bad'; reason: string };

export interface RowContext {
  /** Prefix of derived event ids, from the file name: eventId = `${eventIdPrefix}-${lineNo}`. */
  eventIdPrefix: string;
  /** Upper bound for timestamps (parseEvent rejects events from the future). */
  nowMs: number;
}

export type RowParser = (line: string, lineNo: number) => RowResult;

export const SKIP: RowResult = Object.freeze({ kind: 'skip' });

export function bad(reason: string): RowResult {
  return { kind: 'bad', reason };
}

/**
 * Builds a ClickEvent from a row through parseEvent, so a dataset reader accepts exactly
 * what the clickstream consumer accepts (one validation path for ids, types and times).
 */
export function rowEvent(
  ctx: RowContext,
  lineNo: number,
  fields: { userId: string; itemId: string; type: EventType; ts: number; sessionId?: string; value?: number },
): RowResult {
  const parsed = parseEvent({ eventId: `${ctx.eventIdPrefix}-${lineNo}`, ...fields }, ctx.nowMs);
  return parsed.ok ? { kind: 'event', event: parsed.event } : bad(parsed.reason);
}

/** Parses an integer field; undefined when it is not a plain (optionally signed) integer. */
export function parseIntField(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Event-id prefix from a file name: only characters event ids allow. */
export function eventIdPrefixFor(fileName: string): string {
  const cleaned = fileName.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60);
  return cleaned === '' ? 'row' : cleaned;
}

import { readdirSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { ClickEvent } from '../core/events.ts';
import { StreamrecError } from '../errors.ts';
import { createDigineticaParser } from './diginetica.ts';
import { DATASET_FORMATS, eventIdPrefixFor, isDatasetFormat, type DatasetFormat, type RowContext, type RowParser } from './formats.ts';
import { createJsonlParser } from './jsonl.ts';
import { readLines } from './line-reader.ts';
import { createMovielensParser } from './movielens.ts';
import { createRetailrocketParser } from './retailrocket.ts';
import { createTaobaoParser } from './taobao.ts';
import { createYoochooseParser } from './yoochoose.ts';

export interface ReadProgress {
  bytesRead: number;
  totalBytes: number;
  lines: number;
  events: number;
}

export interface BadRowExample {
  lineNo: number;
  reason: string;
  /** The row as read, cut to 120 characters. */
  text: string;
}

/** What reading a file found; bad rows are counted here, never thrown. */
export interface ReadReport {
  path: string;
  format: DatasetFormat;
  bytes: number;
  lines: number;
  events: number;
  /** Blank lines and header lines. */
  skipped: number;
  bad: number;
  badReasons: Array<{ reason: string; count: number }>;
  badExamples: BadRowExample[];
  duplicates: number;
  /** Events whose time is before the previous event's time, in file order. */
  outOfOrder: number;
  /** True when the events were re-sorted by time (readDataset only). */
  sorted: boolean;
  firstTs: number | undefined;
  lastTs: number | undefined;
}

export interface ReadOptions {
  onProgress?: (progress: ReadProgress) => void;
  /** Upper bound for event times; defaults to now. */
  nowMs?: number;
  /**
   * How many recent events duplicate detection remembers when streaming (each costs about
   * 100 bytes). readDataset remembers all of them.
   */
  dedupWindow?: number;
  /**
   * Each event's userId becomes its sessionId where it has one (diginetica, yoochoose, jsonl
   * with sessionId), so a session is a user; events without a session keep their user.
   * @default false
   */
  sessionAsUser?: boolean;
  /**
   * readDataset only: events without a session get one from idle gaps, a new session of the
   * user starting when more than this many ms passed since the user's previous event (what the
   * session-based literature does for RetailRocket: 30 minutes). With sessionAsUser, those
   * sessions become users too. Files with session ids keep theirs.
   */
  sessionGapMs?: number;
  /**
   * Lines before this one (1-based) are passed over unread: `feed --from-line`.
   * @default 1
   */
  fromLine?: number;
}

export interface DatasetStream {
  /** Events in file order, exact duplicates dropped. Iterate once. */
  events: AsyncIterable<ClickEvent>;
  /** The counts so far; complete once `events` is exhausted. */
  report(): ReadReport;
}

const BAD_EXAMPLES_KEPT = 5;
const BAD_REASONS_KEPT = 20;
const PROGRESS_EVERY_LINES = 20_000;

/** Checks the CLI arguments before any reading: one clear error naming the fix. */
/** The event with its session as its user (the session-based protocol); unchanged when it has no session. */
export function sessionAsUser(event: ClickEvent): ClickEvent {
  return event.sessionId === undefined ? event : { ...event, userId: event.sessionId };
}

export function checkDatasetArgs(path: string, format: string): DatasetFormat {
  if (!isDatasetFormat(format)) {
    throw new StreamrecError('BAD_ARGUMENT', `unknown format "${format}"`, {
      hint: `use --format with one of ${DATASET_FORMATS.join(', ')}`,
    });
  }
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new StreamrecError('BAD_ARGUMENT', `file not found: ${path}`, { hint: 'check the path (relative paths start at the current directory)' });
  }
  if (stat.isDirectory()) {
    const files = readdirSync(path).filter((f) => /\.(data|dat|csv|jsonl|json)$/i.test(f)).slice(0, 5);
    throw new StreamrecError('BAD_ARGUMENT', `${path} is a directory, not a data file`, {
      hint: files.length > 0 ? `pass one of the files in it, e.g. ${path.replace(/\/$/, '')}/${files[0]}` : 'pass the data file itself',
    });
  }
  if (!stat.isFile()) throw new StreamrecError('BAD_ARGUMENT', `${path} is not a regular file`, { hint: 'pass a data file' });
  return format;
}

export function createRowParser(format: DatasetFormat, ctx: RowContext): RowParser {
  switch (format) {
    case 'movielens':
      return createMovielensParser(ctx);
    case 'yoochoose':
      return createYoochooseParser(ctx);
    case 'taobao':
      return createTaobaoParser(ctx);
    case 'retailrocket':
      return createRetailrocketParser(ctx);
    case 'diginetica':
      return createDigineticaParser(ctx);
    case 'jsonl':
      return createJsonlParser(ctx);
  }
}

/** Identity of an event for de-duplication: jsonl events carry their own id; rows do not. */
function dedupKey(format: DatasetFormat, e: ClickEvent): string {
  if (format === 'jsonl') return e.eventId;
  return `${e.userId}\u0000${e.itemId}\u0000${e.type}\u0000${e.ts}\u0000${e.value ?? ''}\u0000${e.sessionId ?? ''}`;
}

/** Remembers the last `capacity` keys (a ring), so streaming memory stays bounded. */
function createDeduper(capacity: number): (key: string) => boolean {
  const keys = new Set<string>();
  const ring: string[] = [];
  let next = 0;
  return (key) => {
    if (keys.has(key)) return true;
    keys.add(key);
    if (Number.isFinite(capacity)) {
      if (ring.length < capacity) ring.push(key);
      else {
        keys.delete(ring[next]!);
        ring[next] = key;
        next = (next + 1) % capacity;
      }
    }
    return false;
  };
}

/**
 * Streams a dataset file as ClickEvents in file order: constant memory apart from the
 * duplicate window. Use it to feed a stream; input that is not sorted by time is
 * counted in report().outOfOrder, not re-sorted (readDataset does that).
 */
export function openDataset(path: string, format: string, options: ReadOptions = {}): DatasetStream {
  const fmt = checkDatasetArgs(path, format);
  const totalBytes = statSync(path).size;
  const parse = createRowParser(fmt, { eventIdPrefix: eventIdPrefixFor(basename(path)), nowMs: options.nowMs ?? Date.now() });
  const isDuplicate = createDeduper(options.dedupWindow ?? 100_000);
  const reasons = new Map<string, number>();
  const report: ReadReport = {
    path,
    format: fmt,
    bytes: totalBytes,
    lines: 0,
    events: 0,
    skipped: 0,
    bad: 0,
    badReasons: [],
    badExamples: [],
    duplicates: 0,
    outOfOrder: 0,
    sorted: false,
    firstTs: undefined,
    lastTs: undefined,
  };
  const snapshot = (): ReadReport => ({
    ...report,
    badReasons: [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
    badExamples: [...report.badExamples],
  });

  const fromLine = options.fromLine ?? 1;
  async function* events(): AsyncGenerator<ClickEvent> {
    for await (const line of readLines(path)) {
      report.lines = line.lineNo;
      if (line.lineNo < fromLine) continue;
      if (options.onProgress && line.lineNo % PROGRESS_EVERY_LINES === 0) {
        options.onProgress({ bytesRead: line.bytesRead, totalBytes, lines: report.lines, events: report.events });
      }
      const row = parse(line.text, line.lineNo);
      if (row.kind === 'skip') {
        report.skipped++;
        continue;
      }
      if (row.kind === 'bad') {
        report.bad++;
        const key = reasons.has(row.reason) || reasons.size < BAD_REASONS_KEPT ? row.reason : 'other reasons';
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
        if (report.badExamples.length < BAD_EXAMPLES_KEPT) {
          report.badExamples.push({ lineNo: line.lineNo, reason: row.reason, text: line.text.slice(0, 120) });
        }
        continue;
      }
      const e = options.sessionAsUser === true ? sessionAsUser(row.event) : row.event;
      if (isDuplicate(dedupKey(fmt, e))) {
        report.duplicates++;
        continue;
      }
      if (report.lastTs !== undefined && e.ts < report.lastTs) report.outOfOrder++;
      report.firstTs ??= e.ts;
      report.lastTs = e.ts;
      report.events++;
      yield e;
    }
    options.onProgress?.({ bytesRead: totalBytes, totalBytes, lines: report.lines, events: report.events });
  }

  return { events: events(), report: snapshot };
}

/**
 * Reads a whole dataset into memory, duplicates dropped, sorted by time (stable, so
 * equal times keep file order) when the file was not. Memory: roughly 200-300 bytes
 * per event plus its duplicate key; a 20M-row file needs several GB, stream it with
 * openDataset instead when it is already in time order.
 */
export async function readDataset(
  path: string,
  format: string,
  options: ReadOptions = {},
): Promise<{ events: ClickEvent[]; report: ReadReport }> {
  const stream = openDataset(path, format, { ...options, dedupWindow: Infinity });
  const events: ClickEvent[] = [];
  for await (const e of stream.events) events.push(e);
  const report = stream.report();
  if (report.outOfOrder > 0) {
    events.sort((a, b) => a.ts - b.ts);
    report.sorted = true;
  }
  if (events.length > 0) {
    report.firstTs = events[0]!.ts;
    report.lastTs = events[events.length - 1]!.ts;
  }
  if (options.sessionGapMs !== undefined) sessionsByGap(events, options.sessionGapMs, options.sessionAsUser === true);
  return { events, report };
}

/**
 * Gives each event without a session the session `<user>~<n>` (in place; events in time order):
 * n counts the user's gaps longer than `gapMs`. With `asUser`, that session becomes the user.
 */
export function sessionsByGap(events: ClickEvent[], gapMs: number, asUser: boolean): void {
  const last = new Map<string, { ts: number; n: number }>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.sessionId !== undefined) continue;
    const seen = last.get(e.userId);
    const n = seen === undefined ? 1 : e.ts - seen.ts > gapMs ? seen.n + 1 : seen.n;
    last.set(e.userId, { ts: e.ts, n });
    const sessionId = `${e.userId}~${n}`;
    events[i] = asUser ? { ...e, sessionId, userId: sessionId } : { ...e, sessionId };
  }
}

/** A few lines for a terminal: what was read, what was dropped and why, with examples. */
export function formatReadReport(r: ReadReport): string {
  const out = [
    `${r.path} (${r.format}): ${r.lines} lines, ${r.events} events, ${r.skipped} header/blank, ${r.bad} bad, ${r.duplicates} duplicates dropped` +
      (r.outOfOrder > 0 ? `, ${r.outOfOrder} out of time order${r.sorted ? ' (sorted by time)' : ''}` : ''),
  ];
  for (const { reason, count } of r.badReasons.slice(0, 5)) out.push(`  bad: ${count} × ${reason}`);
  for (const ex of r.badExamples) out.push(`  e.g. line ${ex.lineNo}: ${ex.reason}: ${JSON.stringify(ex.text)}`);
  return out.join('\n');
}

import { parseEvent, type ClickEvent } from '../../core/events.ts';
import { msgpack } from '../msgpack.ts';
import type { DeadLetterCode } from '../../core/ports.ts';

/**
 * Clickstream wire format. A message value is JSON or msgpack (sniffed from the first
 * byte), its key is the userId. Every rejection carries a low-cardinality `code` (metric
 * label, dead-letter field) and a `reason` a human can act on.
 */
export type EventFormat = 'json' | 'msgpack';

export type DecodeResult =
  | { ok: true; event: ClickEvent; format: EventFormat }
  | { ok: false; code: DeadLetterCode; reason: string };

export interface DecodeOptions {
  /** Larger values are rejected before parsing (protects the learner's memory and CPU). */
  maxBytes: number;
  nowMs?: number;
}

/**
 * A record of a compacted topic keyed by itemId, before its own validation: a tombstone (null
 * value) removes the key's item, anything else must be a msgpack map.
 */
export function unpackKeyedRecord(
  key: Buffer | null,
  value: Buffer | null,
): { kind: 'remove'; itemId: string } | { kind: 'invalid'; reason: string } | { kind: 'map'; map: Record<string, unknown> } {
  if (value === null || value.length === 0) {
    if (key === null || key.length === 0) return { kind: 'invalid', reason: 'tombstone without a key' };
    return { kind: 'remove', itemId: key.toString('utf8') };
  }
  let raw: unknown;
  try {
    raw = msgpack.unpack(value);
  } catch (err) {
    return { kind: 'invalid', reason: `not msgpack: ${(err as Error).message}` };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { kind: 'invalid', reason: 'value is not a map' };
  return { kind: 'map', map: raw as Record<string, unknown> };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeEvent(event: ClickEvent, format: EventFormat = 'json'): Buffer {
  return format === 'json' ? Buffer.from(JSON.stringify(event)) : msgpack.pack(event);
}

export function decodeEvent(key: Buffer | null, value: Buffer | null, options: DecodeOptions): DecodeResult {
  if (value === null || value.length === 0) {
    return fail('empty_value', 'message value is empty (a tombstone or an empty payload); send one event per message');
  }
  if (value.length > options.maxBytes) {
    return fail('oversized', `message is ${value.length} bytes, the limit is ${options.maxBytes} (MAX_EVENT_BYTES)`);
  }
  if (key === null || key.length === 0) {
    return fail('null_key', 'message has no key; the key must be the userId so a user stays on one partition');
  }
  let keyText: string;
  try {
    keyText = utf8.decode(key);
  } catch {
    return fail('not_utf8', 'message key is not valid UTF-8');
  }
  const format = sniffFormat(value);
  let raw: unknown;
  if (format === 'json') {
    let text: string;
    try {
      text = utf8.decode(value);
    } catch {
      return fail('not_utf8', 'JSON message is not valid UTF-8');
    }
    try {
      raw = JSON.parse(text);
    } catch (err) {
      return fail('bad_json', `value is not valid JSON: ${(err as Error).message}`);
    }
  } else {
    try {
      raw = msgpack.unpack(value);
    } catch (err) {
      return fail('bad_msgpack', `value is not valid msgpack (truncated or corrupt): ${(err as Error).message}`);
    }
    // msgpackr replaces invalid UTF-8 in str fields with U+FFFD instead of failing.
    const bad = findReplacementChar(raw);
    if (bad) return fail('not_utf8', `${bad} is not valid UTF-8`);
  }
  const parsed = parseEvent(raw, options.nowMs ?? Date.now());
  if (!parsed.ok) return fail('invalid_event', parsed.reason);
  if (parsed.event.userId !== keyText) {
    return fail('key_mismatch', `message key "${truncate(keyText)}" differs from userId "${parsed.event.userId}"; key by userId`);
  }
  return { ok: true, event: parsed.event, format };
}

/** JSON starts (after whitespace) with a printable ASCII token; msgpack maps start at 0x80+. */
export function sniffFormat(value: Uint8Array): EventFormat {
  for (let i = 0; i < value.length; i++) {
    const b = value[i]!;
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    return b >= 0x21 && b <= 0x7e ? 'json' : 'msgpack';
  }
  return 'json';
}

function findReplacementChar(raw: unknown): string | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  for (const [field, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v === 'string' && v.includes('\uFFFD')) return field;
  }
  return undefined;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function fail(code: DeadLetterCode, reason: string): DecodeResult {
  return { ok: false, code, reason };
}

import { createHash } from 'node:crypto';
import type { Message } from 'kafkajs';
import type { DeadLetter, DeadLetterCode } from '../../core/ports.ts';

export interface DeadLetterRecord {
  code: DeadLetterCode;
  reason: string;
  topic: string;
  partition: number;
  offset: number;
  /** Base64 of the original key; its first bytes only when `truncated`. */
  key: string | null;
  /** Base64 of the original value; its first bytes only when `truncated`. */
  value: string | null;
  /** Size of the original value in bytes, whether or not it was cut (0 for none). */
  valueBytes: number;
  /** sha256 (hex) of the whole original value; null for none. */
  valueSha256: string | null;
  /** True when key or value were cut so the record fits the dead-letter topic. */
  truncated: boolean;
  failedAtMs: number;
}

/** Kafka's per-record framing (varints, headers count) and the JSON field names are covered by this. */
const RECORD_OVERHEAD_BYTES = 128;
/** What is kept of a key or a reason when the record must be cut; user ids are far shorter. */
const KEPT_KEY_BYTES = 512;
const KEPT_REASON_CHARS = 1000;

/**
 * The dead-letter message of `letter`, at most `maxRecordBytes` (key + value). A record
 * that would be larger keeps the first bytes of the original (as many as fit) besides its
 * full size and sha256: a message that cannot be dead-lettered whole is still
 * dead-lettered, never retried against a broker that refuses it. Whole records are
 * unchanged for anything of ordinary size.
 */
export function toDeadLetterMessage(letter: DeadLetter, maxRecordBytes: number): Message {
  const record: DeadLetterRecord = {
    reason: letter.reason,
    code: letter.code,
    topic: letter.topic,
    partition: letter.partition,
    offset: letter.offset,
    key: base64(letter.key),
    value: letter.value === null ? null : '',
    valueBytes: letter.value?.length ?? 0,
    valueSha256: letter.value === null ? null : createHash('sha256').update(letter.value).digest('hex'),
    truncated: false,
    failedAtMs: letter.failedAtMs,
  };
  const wholeBytes = Buffer.byteLength(JSON.stringify(record)) + base64Length(letter.value?.length ?? 0) + (letter.key?.length ?? 0) + RECORD_OVERHEAD_BYTES;
  if (wholeBytes <= maxRecordBytes) {
    record.value = base64(letter.value);
    // Keyed like the original so a user's bad messages stay in order on the DLQ too.
    return { key: letter.key, value: JSON.stringify(record) };
  }
  const key = letter.key === null ? null : letter.key.subarray(0, KEPT_KEY_BYTES);
  const cut: DeadLetterRecord = { ...record, reason: letter.reason.slice(0, KEPT_REASON_CHARS), key: base64(key), truncated: true };
  const fixedBytes = Buffer.byteLength(JSON.stringify(cut)) + (key?.length ?? 0) + RECORD_OVERHEAD_BYTES;
  const keptValueBytes = Math.max(0, Math.floor((maxRecordBytes - fixedBytes) / 4) * 3);
  if (letter.value !== null) cut.value = letter.value.subarray(0, keptValueBytes).toString('base64');
  return { key, value: JSON.stringify(cut) };
}

export function parseDeadLetter(value: Buffer): DeadLetterRecord {
  return JSON.parse(value.toString('utf8')) as DeadLetterRecord;
}

/** Base64 turns every 3 bytes (or fewer, padded) into 4 characters. */
function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

function base64(b: Buffer | null): string | null {
  return b === null ? null : b.toString('base64');
}

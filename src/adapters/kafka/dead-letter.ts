import type { Message } from 'kafkajs';
import type { DeadLetterCode } from './codec.ts';

/**
 * A clickstream message the learner could not use, kept with its original bytes so it
 * can be inspected and replayed. On the wire (clickstream.dlq): JSON
 * `{ reason, code, topic, partition, offset, key (base64), value (base64), failedAtMs }`.
 */
export interface DeadLetter {
  code: DeadLetterCode;
  reason: string;
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  failedAtMs: number;
}

export interface DeadLetterRecord {
  code: DeadLetterCode;
  reason: string;
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  failedAtMs: number;
}

export function toDeadLetterMessage(letter: DeadLetter): Message {
  const record: DeadLetterRecord = {
    reason: letter.reason,
    code: letter.code,
    topic: letter.topic,
    partition: letter.partition,
    offset: letter.offset,
    key: letter.key === null ? null : letter.key.toString('base64'),
    value: letter.value === null ? null : letter.value.toString('base64'),
    failedAtMs: letter.failedAtMs,
  };
  // Keyed like the original so a user's bad messages stay in order on the DLQ too.
  return { key: letter.key, value: JSON.stringify(record) };
}

export function parseDeadLetter(value: Buffer): DeadLetterRecord {
  return JSON.parse(value.toString('utf8')) as DeadLetterRecord;
}

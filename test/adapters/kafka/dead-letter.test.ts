import { createHash } from 'node:crypto';
import type { Message, Producer, ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { parseDeadLetter, toDeadLetterMessage } from '../../../src/adapters/kafka/dead-letter.ts';
import { createKafkaPipelineSink } from '../../../src/adapters/kafka/pipeline-sink.ts';
import { loadConfig } from '../../../src/config.ts';
import type { DeadLetter } from '../../../src/core/ports.ts';

const letter = (value: Buffer | null, key: Buffer | null = Buffer.from('user-1')): DeadLetter => ({
  code: 'oversized',
  reason: `message is ${value?.length ?? 0} bytes, the limit is 65536 (MAX_EVENT_BYTES)`,
  topic: 'clickstream',
  partition: 2,
  offset: 41,
  key,
  value,
  failedAtMs: 1_750_000_000_000,
});
const recordBytes = (m: Message) => Buffer.byteLength(m.value as string) + ((m.key as Buffer | null)?.length ?? 0);

describe('dead-letter records', () => {
  it('keep an ordinary message whole, with its size and sha256', () => {
    const value = Buffer.from('{"eventId": "e1", "userId": ');
    const m = toDeadLetterMessage(letter(value), 500_000);
    const r = parseDeadLetter(Buffer.from(m.value as string));
    expect(Buffer.from(r.value!, 'base64')).toEqual(value);
    expect(r).toMatchObject({ truncated: false, valueBytes: value.length, valueSha256: createHash('sha256').update(value).digest('hex'), key: Buffer.from('user-1').toString('base64') });
    expect(m.key).toEqual(Buffer.from('user-1'));
  });

  it('cut a message too big for the limit to its first bytes, keeping full size and sha256, under the limit', () => {
    for (const size of [700_000, 1_048_576, 5_000_000]) {
      const value = Buffer.alloc(size, 0x61);
      value.write('{"head": 1', 0);
      const m = toDeadLetterMessage(letter(value), 524_294);
      expect(recordBytes(m)).toBeLessThanOrEqual(524_294);
      const r = parseDeadLetter(Buffer.from(m.value as string));
      const kept = Buffer.from(r.value!, 'base64');
      expect(kept.length).toBeGreaterThan(300_000);
      expect(Buffer.compare(kept, value.subarray(0, kept.length))).toBe(0);
      expect(r).toMatchObject({ truncated: true, valueBytes: size, valueSha256: createHash('sha256').update(value).digest('hex'), code: 'oversized' });
    }
  });

  it('cut a huge key too', () => {
    const m = toDeadLetterMessage(letter(Buffer.from('{}'), Buffer.alloc(2_000_000, 0x6b)), 100_000);
    expect(recordBytes(m)).toBeLessThanOrEqual(100_000);
    expect(parseDeadLetter(Buffer.from(m.value as string)).truncated).toBe(true);
  });
});

describe('the pipeline sink', () => {
  it('sends letters the broker refuses for good again cut to their metadata, instead of retrying them forever', async () => {
    const config = loadConfig({});
    const sent: Message[] = [];
    const producer = {
      async send(record: ProducerRecord) {
        if (record.messages.some((m) => recordBytes(m) > 10_000)) throw Object.assign(new Error('message too large'), { retriable: false });
        sent.push(...record.messages);
        return [];
      },
    } as unknown as Producer;
    // The limit read at start says 1 MB; the broker now takes 10 kB.
    const sink = createKafkaPipelineSink(producer, config, { deadLetterTopicMaxBytes: 1_048_588 });
    await sink.deadLetters([letter(Buffer.alloc(300_000, 0x61)), letter(Buffer.from('{}'))]);
    expect(sent).toHaveLength(2);
    const first = parseDeadLetter(Buffer.from(sent[0]!.value as string));
    expect(first).toMatchObject({ truncated: true, valueBytes: 300_000 });
  });
});

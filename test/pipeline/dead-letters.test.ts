import type { Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { encodeEvent } from '../../src/adapters/kafka/codec.ts';
import { msgpack } from '../../src/adapters/msgpack.ts';
import { parseDeadLetter } from '../../src/adapters/kafka/dead-letter.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { startLearner } from '../../src/pipeline/compose.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { comparable, decodeForReplay, makeEvents, publishModel, readTopic, replayExpected, waitForFinalPositions } from './support.ts';
import type { DeadLetterCode } from '../../src/core/ports.ts';

const MAX_EVENT_BYTES = 1024;
const ctx = await integrationSetup({ EMBEDDING_DIM: '8', LEARNER_INDEX_SNAPSHOT_DIR: 'off', CLICKSTREAM_PARTITIONS: '3', MAX_EVENT_BYTES: String(MAX_EVENT_BYTES), LEARNER_METRICS_PORT: '0' });

/** The i-th malformed message of each kind, made unique so its dead letter can be matched. */
const KINDS: Array<[DeadLetterCode, (i: number, e: ClickEvent) => Message]> = [
  ['bad_msgpack', (i, e) => ({ key: e.userId, value: msgpack.pack({ ...e, eventId: `trunc-${i}` }).subarray(0, 25) })],
  ['invalid_event', (i, e) => ({ key: e.userId, value: JSON.stringify({ ...e, eventId: `types-${i}`, ts: String(e.ts) }) })],
  ['invalid_event', (i, e) => ({ key: e.userId, value: JSON.stringify({ eventId: `missing-${i}`, userId: e.userId, type: 'view', ts: e.ts }) })],
  ['invalid_event', (i, e) => ({ key: e.userId, value: msgpack.pack({ ...e, eventId: `unknown-${i}`, type: 'teleport' }) })],
  ['oversized', (i, e) => ({ key: e.userId, value: JSON.stringify({ ...e, eventId: `big-${i}`, pad: 'x'.repeat(MAX_EVENT_BYTES) }) })],
  ['not_utf8', (i, e) => ({ key: e.userId, value: withInvalidUtf8(msgpack.pack({ ...e, eventId: `utf-${i}`, itemId: 'zz' })) })],
  ['empty_value', (i) => ({ key: `empty-${i}`, value: Buffer.alloc(0) })],
  ['null_key', (i, e) => ({ key: null, value: JSON.stringify({ ...e, eventId: `nokey-${i}` }) })],
  ['bad_json', (i, e) => ({ key: e.userId, value: `{"eventId": "json-${i}", "userId": ` })],
  ['key_mismatch', (i, e) => ({ key: `someone-else-${i}`, value: encodeEvent({ ...e, eventId: `mismatch-${i}` }) })],
];

describe('(c) 1,000 malformed messages between valid traffic', () => {
  it('all land in the dead-letter topic with reason and original bytes; valid events are applied exactly', async () => {
    const { config, kafka, redis, log } = ctx;
    const vectors = await publishModel(kafka, config, log, 100);
    const valid = makeEvents(50, 20, 100);
    const messages: Message[] = [];
    const expectedCode = new Map<string, DeadLetterCode>();
    for (let i = 0; i < 1000; i++) {
      const e = valid[i]!;
      messages.push({ key: e.userId, value: encodeEvent(e, i % 2 ? 'json' : 'msgpack') });
      const [code, make] = KINDS[i % KINDS.length]!;
      const bad = make(i, e);
      messages.push(bad);
      expectedCode.set(identity(bad.key ?? null, bad.value as Buffer | string | null), code);
    }
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: config.topics.clickstream, messages, acks: -1 });
    await producer.disconnect();

    const runtime = await startLearner(config, log);
    try {
      const dlq = await readTopic(kafka, config.topics.deadLetter, (all) => all.length >= 1000);
      expect(dlq).toHaveLength(1000);
      const consumed = await readTopic(kafka, config.topics.clickstream, (all) => all.length >= messages.length);
      const original = new Map(consumed.map((m) => [`${m.partition}:${m.message.offset}`, m.message]));
      const codes = new Map<string, number>();
      for (const { message } of dlq) {
        const letter = parseDeadLetter(message.value!);
        const key = letter.key === null ? null : Buffer.from(letter.key, 'base64');
        const value = letter.value === null ? null : Buffer.from(letter.value, 'base64');
        expect(letter.code).toBe(expectedCode.get(identity(key, value)));
        expect(letter.reason.length).toBeGreaterThan(10);
        expect(letter.topic).toBe(config.topics.clickstream);
        const at = original.get(`${letter.partition}:${letter.offset}`)!;
        expect(Buffer.compare(at.value ?? Buffer.alloc(0), value ?? Buffer.alloc(0))).toBe(0);
        codes.set(letter.code, (codes.get(letter.code) ?? 0) + 1);
      }
      expect(codes.get('invalid_event')).toBe(300);

      const expected = replayExpected(config, vectors, consumed, (m) => decodeForReplay(m, MAX_EVENT_BYTES));
      expect([...expected.values()].reduce((n, s) => n + s.eventCount, 0)).toBe(1000);
      const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));
      const got = await waitForFinalPositions(store, expected);
      for (const [id, want] of expected) expect(comparable(got.get(id))).toEqual(comparable(want));

      const metrics = await (await fetch(`http://${config.http.host}:${runtime.metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/streamrec_dead_letters_total\{reason="oversized"[^}]*\} 100/);
    } finally {
      await runtime.close();
    }
  });
});

/** Turns the msgpack string "zz" (a2 7a 7a) into the invalid UTF-8 sequence c3 28. */
function withInvalidUtf8(packed: Buffer): Buffer {
  const at = packed.indexOf(Buffer.from([0xa2, 0x7a, 0x7a]));
  if (at < 0) throw new Error('marker not found');
  packed[at + 1] = 0xc3;
  packed[at + 2] = 0x28;
  return packed;
}

function identity(key: Buffer | string | null, value: Buffer | string | null): string {
  const k = key === null ? 'null' : Buffer.from(key).toString('base64');
  const v = value === null ? 'null' : Buffer.from(value).toString('base64');
  return `${k}|${v}`;
}

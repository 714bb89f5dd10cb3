import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent, sniffFormat } from '../../../src/adapters/kafka/codec.ts';
import { msgpack } from '../../../src/adapters/msgpack.ts';
import type { ClickEvent } from '../../../src/core/events.ts';

const NOW = 1_750_000_000_000;
const event: ClickEvent = { eventId: 'e1', userId: 'u1', itemId: 'i1', type: 'click', ts: NOW - 1000 };
const opts = { maxBytes: 4096, nowMs: NOW };
const key = Buffer.from('u1');

describe('clickstream codec', () => {
  it('round-trips JSON and msgpack, sniffing the format', () => {
    for (const format of ['json', 'msgpack'] as const) {
      const bytes = encodeEvent({ ...event, sessionId: 's1', value: 2.5 }, format);
      expect(sniffFormat(bytes)).toBe(format);
      const r = decodeEvent(key, bytes, opts);
      expect(r).toEqual({ ok: true, format, event: { ...event, sessionId: 's1', value: 2.5 } });
    }
  });

  it('accepts JSON with leading whitespace', () => {
    const r = decodeEvent(key, Buffer.from(`  \n${JSON.stringify(event)}`), opts);
    expect(r.ok).toBe(true);
  });

  const cases: Array<[string, Buffer | null, Buffer | null, string]> = [
    ['empty value', key, Buffer.alloc(0), 'empty_value'],
    ['tombstone', key, null, 'empty_value'],
    ['null key', null, encodeEvent(event), 'null_key'],
    ['oversized', key, Buffer.from(JSON.stringify({ ...event, pad: 'x'.repeat(5000) })), 'oversized'],
    ['truncated msgpack', key, encodeEvent(event, 'msgpack').subarray(0, 20), 'bad_msgpack'],
    ['broken JSON', key, Buffer.from('{"eventId": "e1", '), 'bad_json'],
    ['wrong type of ts', key, encodeEvent({ ...event, ts: 'yesterday' as unknown as number }), 'invalid_event'],
    ['missing itemId', key, Buffer.from(JSON.stringify({ ...event, itemId: undefined })), 'invalid_event'],
    ['unknown event type', key, Buffer.from(JSON.stringify({ ...event, type: 'teleport' })), 'invalid_event'],
    ['ts in seconds', key, Buffer.from(JSON.stringify({ ...event, ts: 1_750_000_000 })), 'invalid_event'],
    ['array', key, Buffer.from('[1,2,3]'), 'invalid_event'],
    ['msgpack array', key, msgpack.pack([1, 2]), 'invalid_event'],
    ['key differs from userId', Buffer.from('u2'), encodeEvent(event), 'key_mismatch'],
    ['non-UTF-8 key', Buffer.from([0xff, 0xfe]), encodeEvent(event), 'not_utf8'],
    ['non-UTF-8 JSON', key, Buffer.concat([Buffer.from('{"eventId":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), 'not_utf8'],
  ];
  for (const [name, k, v, code] of cases) {
    it(`rejects ${name} with code ${code} and a reason`, () => {
      const r = decodeEvent(k, v, opts);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.code).toBe(code);
        expect(r.reason.length).toBeGreaterThan(10);
      }
    });
  }

  it('rejects msgpack ids with invalid UTF-8 as not_utf8', () => {
    const good = msgpack.pack({ ...event, itemId: 'ab' });
    // fixstr "ab" is a2 61 62: corrupt the string bytes into an invalid UTF-8 sequence.
    const at = good.indexOf(Buffer.from([0xa2, 0x61, 0x62]));
    expect(at).toBeGreaterThan(0);
    good[at + 1] = 0xc3;
    good[at + 2] = 0x28;
    const r = decodeEvent(key, good, opts);
    expect(r).toMatchObject({ ok: false, code: 'not_utf8' });
  });
});

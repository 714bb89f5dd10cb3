import { describe, expect, it } from 'vitest';
import { createResponseReader, ResponseFramingError } from '../../native-bench/api/http-response.ts';

const fixed = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nContent-Length: 17\r\nConnection: keep-alive\r\n\r\n{"hello":"world"}';
const chunked = 'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n';

/**
 * Feeds the response in pieces of pieceBytes through one buffer that is scribbled over after
 * each push, as paced.ts reuses its read buffer; the status from each push.
 */
function feed(text: string, pieceBytes: number, reader = createResponseReader()): number[] {
  const bytes = Buffer.from(text, 'latin1');
  const scratch = Buffer.alloc(pieceBytes);
  const statuses: number[] = [];
  for (let at = 0; at < bytes.length; at += pieceBytes) {
    const n = bytes.copy(scratch, 0, at, at + pieceBytes);
    statuses.push(reader.push(scratch.subarray(0, n)));
    scratch.fill('Z');
  }
  return statuses;
}

describe('createResponseReader', () => {
  for (const [name, text, status] of [['Content-Length', fixed, 200], ['chunked', chunked, 404]] as const) {
    it(`frames a ${name} response read whole or in pieces of any size, status on the last byte only`, () => {
      for (const pieceBytes of [text.length, 1, 2, 3, 7, 50]) {
        const statuses = feed(text, pieceBytes);
        expect(statuses.at(-1), `pieces of ${pieceBytes}`).toBe(status);
        expect(statuses.slice(0, -1).every((s) => s === 0), `pieces of ${pieceBytes}`).toBe(true);
      }
    });
  }

  it('reads one response after another on the same socket', () => {
    const reader = createResponseReader();
    expect(feed(fixed, 10, reader).at(-1)).toBe(200);
    expect(feed(chunked, 10, reader).at(-1)).toBe(404);
    expect(feed(fixed, fixed.length, reader)).toEqual([200]);
  });

  it('a 204 and a 304 have no body even with a Content-Length', () => {
    expect(feed('HTTP/1.1 204 No Content\r\n\r\n', 100)).toEqual([204]);
    expect(feed('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n', 100)).toEqual([304]);
  });

  it('keepAlive follows the Connection header and the HTTP version', () => {
    const keepAlive = (text: string) => {
      const reader = createResponseReader();
      reader.push(Buffer.from(text));
      return reader.keepAlive;
    };
    expect(keepAlive('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')).toBe(true);
    expect(keepAlive('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')).toBe(false);
    expect(keepAlive('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n')).toBe(false);
    expect(keepAlive('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n')).toBe(true);
  });

  it('throws a ResponseFramingError naming what it cannot frame', () => {
    const bad: Array<[string, RegExp]> = [
      ['HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close', /neither Content-Length nor Transfer-Encoding: chunked/],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', /without chunked last/],
      ['HTTP/1.1 100 Continue\r\n\r\n', /1xx/],
      ['HTTP/2 200\r\nContent-Length: 0\r\n\r\n', /not an HTTP\/1.x status line/],
      ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabc', /1 bytes after the end/],
      ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /bad Content-Length/],
      ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', /bad Content-Length/],
      ['HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n', /malformed header line/],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /bad chunk size line/],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', /chunk longer than its size/],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n', /not ended by CRLF/],
    ];
    for (const [text, message] of bad) {
      const push = () => createResponseReader().push(Buffer.from(text, 'latin1'));
      expect(push, text).toThrow(ResponseFramingError);
      expect(push, text).toThrow(message);
    }
  });
});

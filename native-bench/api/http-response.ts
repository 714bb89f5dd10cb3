/**
 * Just enough of an HTTP/1.x response parser for the paced load generator: it finds where a
 * response ends and what its status was, nothing more (no header values kept, body bytes
 * skipped without copying). Framing follows RFC 9112 §6.3: no body for 204 and 304, else
 * `Transfer-Encoding: chunked` (which wins over Content-Length), else Content-Length.
 * The generator never pipelines, so bytes past the end of a response are an error. Anything
 * it cannot frame (a body delimited by closing the socket, a 1xx, a malformed head or chunk)
 * throws a ResponseFramingError saying what it met: the run stops instead of counting
 * garbage.
 */

export class ResponseFramingError extends Error {
  override name = 'ResponseFramingError';
}

export interface ResponseReader {
  /**
   * Feeds the next bytes read from the socket; the status code once the response is complete,
   * else 0. Keeps no reference to `bytes`: the caller may reuse them.
   */
  push(bytes: Buffer): number;
  /** Of the last response head read: whether the server keeps the socket open for another request. */
  readonly keepAlive: boolean;
}

type Phase = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailer';

const HEAD_END = Buffer.from('\r\n\r\n');
const LF = 0x0a;
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 8 * 1024;

export function createResponseReader(): ResponseReader {
  let phase: Phase = 'head';
  let headSoFar: Buffer | null = null; // a head that spans reads
  let lineSoFar = ''; // a chunk-size or trailer line that spans reads
  let status = 0;
  let remainingBytes = 0; // of the body (phase 'length') or of the current chunk ('chunk-data')
  let keepAlive = true;

  function readHead(head: string): void {
    const lines = head.split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) ([1-5]\d\d)(?: |$)/.exec(lines[0]!);
    if (!statusLine) fail(`not an HTTP/1.x status line: ${JSON.stringify(lines[0]!.slice(0, 80))}`);
    status = Number(statusLine[2]);
    keepAlive = statusLine[1] === '1'; // HTTP/1.0 closes unless it says keep-alive
    let contentLength = -1;
    let transferEncoding = '';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon < 1) fail(`malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim().toLowerCase();
      if (name === 'content-length') {
        if (!/^\d+$/.test(value) || (contentLength >= 0 && Number(value) !== contentLength)) fail(`bad Content-Length: ${value}`);
        contentLength = Number(value);
      } else if (name === 'transfer-encoding') transferEncoding = transferEncoding ? `${transferEncoding}, ${value}` : value;
      else if (name === 'connection') keepAlive = value.includes('close') ? false : value.includes('keep-alive') || keepAlive;
    }
    if (status < 200) fail(`a ${status} (1xx) response is not expected for a GET`);
    remainingBytes = 0;
    if (status === 204 || status === 304) phase = 'length';
    else if (transferEncoding) {
      // The last coding has to be chunked for the body to be framed at all (RFC 9112 §6.3).
      if (!/(^|,)\s*chunked$/.test(transferEncoding)) fail(`Transfer-Encoding "${transferEncoding}" without chunked last: the body ends at close, which is not supported`);
      phase = 'chunk-size';
    } else if (contentLength >= 0) {
      phase = 'length';
      remainingBytes = contentLength;
    } else fail(`status ${status} response has neither Content-Length nor Transfer-Encoding: chunked; a body that ends at close is not supported`);
  }

  function complete(bytes: Buffer, at: number): number {
    if (at < bytes.length) fail(`${bytes.length - at} bytes after the end of the response (no request was pipelined)`);
    phase = 'head';
    return status;
  }

  function push(bytes: Buffer): number {
    let at = 0;
    if (phase === 'head') {
      if (headSoFar) bytes = Buffer.concat([headSoFar, bytes]);
      const end = bytes.indexOf(HEAD_END);
      if (end < 0) {
        if (bytes.length > MAX_HEAD_BYTES) fail(`response head longer than ${MAX_HEAD_BYTES} bytes`);
        headSoFar = headSoFar ? bytes : Buffer.from(bytes); // a copy: the caller reuses its buffer
        return 0;
      }
      headSoFar = null;
      readHead(bytes.toString('latin1', 0, end));
      at = end + HEAD_END.length;
    }
    for (;;) {
      if (phase === 'length' || phase === 'chunk-data') {
        const taken = Math.min(remainingBytes, bytes.length - at);
        remainingBytes -= taken;
        at += taken;
        if (remainingBytes > 0) return 0;
        if (phase === 'length') return complete(bytes, at);
        phase = 'chunk-end';
        continue;
      }
      // The chunked framing lines: "size[;ext]", the empty line after the data, trailers.
      const lf = bytes.indexOf(LF, at);
      if (lf < 0) {
        lineSoFar += bytes.toString('latin1', at);
        if (lineSoFar.length > MAX_LINE_BYTES) fail(`chunked framing line longer than ${MAX_LINE_BYTES} bytes`);
        return 0;
      }
      const line = lineSoFar + bytes.toString('latin1', at, lf);
      lineSoFar = '';
      at = lf + 1;
      if (!line.endsWith('\r')) fail(`chunked framing line not ended by CRLF: ${JSON.stringify(line.slice(0, 80))}`);
      const text = line.slice(0, -1);
      if (phase === 'chunk-size') {
        const size = /^([0-9a-fA-F]{1,8})[ \t]*(;|$)/.exec(text);
        if (!size) fail(`bad chunk size line: ${JSON.stringify(text.slice(0, 80))}`);
        remainingBytes = parseInt(size[1]!, 16);
        phase = remainingBytes === 0 ? 'trailer' : 'chunk-data';
      } else if (phase === 'chunk-end') {
        if (text !== '') fail('chunk longer than its size line says');
        phase = 'chunk-size';
      } else if (text === '') return complete(bytes, at); // the empty line that ends the trailers
    }
  }

  return {
    push,
    get keepAlive() {
      return keepAlive;
    },
  };
}

function fail(message: string): never {
  throw new ResponseFramingError(message);
}

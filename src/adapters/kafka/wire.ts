import { connect, type Socket } from 'node:net';

/**
 * The few pieces of Kafka's wire protocol the engine speaks itself, beside kafkajs (topic-id.ts,
 * list-offsets.ts): one request on a short-lived plaintext connection, and a reader of the
 * answer. What kafkajs cannot ask (topic ids), or what a one-shot reader asks cheaper than
 * loading and connecting kafkajs (offsets).
 */

/** A request: size, header (v1; v2 = v1 + tagged fields for flexible versions), body. */
export function kafkaRequest(apiKey: number, version: number, correlationId: number, clientId: string, flexible: boolean, body: Buffer): Buffer {
  const client = Buffer.from(clientId, 'utf8');
  const header = Buffer.alloc(10 + client.length + (flexible ? 1 : 0));
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(client.length, 8);
  client.copy(header, 10);
  // A flexible header ends with its (empty) tagged fields: the zero Buffer.alloc left there.
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length, 0);
  return Buffer.concat([size, header, body]);
}

/** Reads an answer front to back; `fail(what)` makes the error for a malformed one. */
export class WireReader {
  private at = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly fail: (what: string) => Error,
  ) {}
  skip(n: number): void {
    if (this.at + n > this.buf.length) throw this.fail('truncated');
    this.at += n;
  }
  int16(): number {
    this.skip(2);
    return this.buf.readInt16BE(this.at - 2);
  }
  int32(): number {
    this.skip(4);
    return this.buf.readInt32BE(this.at - 4);
  }
  /** An int64 as a number: offsets stay far below 2^53. */
  int64(): number {
    this.skip(8);
    return Number(this.buf.readBigInt64BE(this.at - 8));
  }
  string(): string {
    const n = this.int16();
    if (n < 0) return '';
    this.skip(n);
    return this.buf.toString('utf8', this.at - n, this.at);
  }
  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.skip(1);
      const b = this.buf[this.at - 1]!;
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value >>> 0;
    }
    throw this.fail('varint');
  }
  /** A compact array's length (stored + 1; 0 means null). */
  compactLength(): number {
    return Math.max(0, this.uvarint() - 1);
  }
  compactString(): string | undefined {
    const n = this.uvarint();
    if (n === 0) return undefined;
    this.skip(n - 1);
    return this.buf.toString('utf8', this.at - n + 1, this.at);
  }
  uuid(): string {
    this.skip(16);
    const hex = this.buf.toString('hex', this.at - 16, this.at);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  tags(): void {
    for (let n = this.uvarint(); n > 0; n--) {
      this.uvarint();
      this.skip(this.uvarint());
    }
  }
}

export function uvarint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

/** Sends `request` to host:port and resolves with the answer (size prefix stripped). */
export function roundTrip(host: string, port: number, request: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host, port });
    const chunks: Buffer[] = [];
    let received = 0;
    const done = (err: Error | undefined, value?: Buffer) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no answer within ${timeoutMs} ms`)));
    socket.once('error', (err) => done(err));
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 4) return;
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const size = all.readInt32BE(0);
      if (all.length >= 4 + size) done(undefined, all.subarray(4, 4 + size));
    });
    socket.once('close', () => done(new Error('connection closed before the answer')));
  });
}

export function splitHostPort(broker: string): [string, number] {
  const i = broker.lastIndexOf(':');
  return [broker.slice(0, i), Number(broker.slice(i + 1))];
}

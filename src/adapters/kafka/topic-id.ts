import { connect, type Socket } from 'node:net';
import type { Config } from '../../config.ts';
import { StreamrecError } from '../../errors.ts';

/**
 * The broker-assigned topic id (a UUID, Kafka 2.8+): it changes when a topic is deleted and
 * created again under the same name, which the name and partition count cannot show.
 * kafkajs 2.2 speaks Metadata up to v6, which predates topic ids, so this sends one
 * Metadata v12 request (Kafka 3.1+) itself, on a short-lived plaintext connection to the
 * first broker that answers. Undefined when the topic does not exist.
 */
export async function fetchTopicId(config: Config, topic: string): Promise<string | undefined> {
  let lastError: unknown;
  for (const broker of config.kafka.brokers) {
    const [host, port] = splitHostPort(broker);
    try {
      const response = await roundTrip(host, port, metadataRequest(config.kafka.clientId, topic), config.kafka.requestTimeoutMs);
      return parseTopicId(response, topic);
    } catch (err) {
      if (err instanceof StreamrecError && !err.retryable) throw err;
      lastError = err;
    }
  }
  throw new StreamrecError('KAFKA_UNAVAILABLE', `cannot read the id of topic ${topic} from ${config.kafka.brokers.join(',')}: ${(lastError as Error)?.message ?? lastError}`, {
    retryable: true,
    cause: lastError,
  });
}

/** What a user's position stores of the id: its first 8 hex digits (a new topic's differ but for 1 in 4 billion). */
export function topicTag(topicId: string): string {
  return topicId.replaceAll('-', '').slice(0, 8);
}

const METADATA_API_KEY = 3;
const METADATA_VERSION = 12;
const CORRELATION_ID = 1;
const UNKNOWN_TOPIC_OR_PARTITION = 3;

/** Request header v2 + MetadataRequest v12 (flexible: compact strings and arrays, tagged fields). */
function metadataRequest(clientId: string, topic: string): Buffer {
  const client = Buffer.from(clientId, 'utf8');
  const name = Buffer.from(topic, 'utf8');
  const header = Buffer.alloc(10 + client.length);
  header.writeInt16BE(METADATA_API_KEY, 0);
  header.writeInt16BE(METADATA_VERSION, 2);
  header.writeInt32BE(CORRELATION_ID, 4);
  header.writeInt16BE(client.length, 8);
  client.copy(header, 10);
  const body = Buffer.concat([
    Buffer.from([0]), // header tagged fields
    uvarint(2), // topics: compact array of one
    Buffer.alloc(16), // topic_id: zero UUID, ask by name
    uvarint(name.length + 1),
    name,
    Buffer.from([0]), // topic tagged fields
    Buffer.from([0, 0]), // allow_auto_topic_creation, include_topic_authorized_operations
    Buffer.from([0]), // tagged fields
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length, 0);
  return Buffer.concat([size, header, body]);
}

function parseTopicId(buf: Buffer, topic: string): string | undefined {
  const r = new Reader(buf);
  if (r.int32() !== CORRELATION_ID) throw badResponse('correlation id');
  r.tags();
  r.int32(); // throttle_time_ms
  for (let brokers = r.compactLength(); brokers > 0; brokers--) {
    r.int32();
    r.compactString();
    r.int32();
    r.compactString();
    r.tags();
  }
  r.compactString(); // cluster_id
  r.int32(); // controller_id
  for (let topics = r.compactLength(); topics > 0; topics--) {
    const errorCode = r.int16();
    const name = r.compactString();
    const id = r.uuid();
    r.skip(1); // is_internal
    for (let partitions = r.compactLength(); partitions > 0; partitions--) {
      r.skip(2 + 4 + 4 + 4);
      for (let arrays = 0; arrays < 3; arrays++) r.skip(4 * r.compactLength());
      r.tags();
    }
    r.int32(); // topic_authorized_operations
    r.tags();
    if (name !== topic) continue;
    if (errorCode === UNKNOWN_TOPIC_OR_PARTITION) return undefined;
    if (errorCode !== 0) throw new StreamrecError('KAFKA_UNAVAILABLE', `metadata of topic ${topic}: broker error code ${errorCode}`, { retryable: true });
    return id;
  }
  return undefined;
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  skip(n: number): void {
    if (this.at + n > this.buf.length) throw badResponse('truncated');
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
  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.skip(1);
      const b = this.buf[this.at - 1]!;
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value >>> 0;
    }
    throw badResponse('varint');
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

function uvarint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

function roundTrip(host: string, port: number, request: Buffer, timeoutMs: number): Promise<Buffer> {
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

function splitHostPort(broker: string): [string, number] {
  const i = broker.lastIndexOf(':');
  return [broker.slice(0, i), Number(broker.slice(i + 1))];
}

function badResponse(what: string): StreamrecError {
  return new StreamrecError('INTERNAL', `unexpected Metadata v${METADATA_VERSION} answer from Kafka (${what})`, {
    retryable: false,
    hint: 'the broker must be Kafka 3.1 or newer',
  });
}

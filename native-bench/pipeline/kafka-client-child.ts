import type { Message } from 'kafkajs';
import { createKafka } from '../../src/adapters/kafka/client.ts';
import { decodeEvent, encodeEvent } from '../../src/adapters/kafka/codec.ts';
import { connectProducer, sendChunked } from '../../src/adapters/kafka/producer.ts';
import type { Config } from '../../src/config.ts';
import { withTimeout } from '../../src/lifecycle.ts';
import { learnerFetchSettings } from '../../src/pipeline/learner-service.ts';
import { benchLog } from '../lib/engine-env.ts';
import { childInput, childOutput } from '../lib/child.ts';
import { createClickstream } from '../lib/clickstream.ts';

export type KafkaClientName = 'kafkajs' | 'platformatic';

/** One client measured in its own process: consume a topic with a fresh group, then produce. */
export interface KafkaClientChildInput {
  client: KafkaClientName;
  config: Config;
  /** Holds exactly `records` events (the learner's backlog). */
  consumeTopic: string;
  groupId: string;
  /** Empty, same partition count; gets one warm-up record and then `records` events. */
  produceTopic: string;
  records: number;
  /** The learner backlog's generator, so the produced records are byte-equal to it. */
  clickstream: { users: number; items: number; seed: number; startTs: number };
  /** Records per produce request, as the engine's sendChunked cuts them. */
  chunk: number;
  timeoutMs: number;
}

export interface ConsumeTiming {
  records: number;
  decoded: number;
  rejected: number;
  /** From connect to the first record: connection, group join, metadata and the first fetch. */
  joinMs: number;
  /** From the first record to the last. */
  fetchMs: number;
}

export interface ProduceTiming {
  records: number;
  /** From the first send (after connect and one warm-up record) to the last acknowledgement. */
  sendMs: number;
}

export interface KafkaClientChildOutput {
  consume: ConsumeTiming;
  produce: ProduceTiming;
}

/** A running count of decodes with first and last arrival times (ms, performance.now()). */
function createTally(records: number, maxEventBytes: number) {
  const t = { seen: 0, decoded: 0, rejected: 0, firstMs: 0, lastMs: 0 };
  return {
    t,
    add(key: Buffer | null | undefined, value: Buffer | null | undefined): boolean {
      if (t.seen === 0) t.firstMs = performance.now();
      const r = decodeEvent(key ?? null, value ?? null, { maxBytes: maxEventBytes });
      if (r.ok) t.decoded++;
      else t.rejected++;
      if (++t.seen === records) t.lastMs = performance.now();
      return t.seen >= records;
    },
  };
}

function doneWhen(): { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function timing(records: number, startMs: number, t: { decoded: number; rejected: number; firstMs: number; lastMs: number }): ConsumeTiming {
  return { records, decoded: t.decoded, rejected: t.rejected, joinMs: t.firstMs - startMs, fetchMs: t.lastMs - t.firstMs };
}

const deadline = (what: string, ms: number) => () => new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`);

/** The engine's consumer settings (src/pipeline/learner-service.ts), commits off: only fetch + decode. */
async function consumeKafkajs(input: KafkaClientChildInput): Promise<ConsumeTiming> {
  const { config } = input;
  const kafka = createKafka(config, benchLog);
  const consumer = kafka.consumer({ groupId: input.groupId, ...learnerFetchSettings(config), allowAutoTopicCreation: false });
  const tally = createTally(input.records, config.learner.maxEventBytes);
  const done = doneWhen();
  try {
    const startMs = performance.now();
    await consumer.connect();
    await consumer.subscribe({ topic: input.consumeTopic, fromBeginning: true });
    consumer.on(consumer.events.CRASH, ({ payload }) => done.reject(payload.error));
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: config.learner.partitionsConcurrently,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) if (tally.add(m.key, m.value)) done.resolve();
      },
    });
    await withTimeout(done.promise, input.timeoutMs, deadline('kafkajs consume', input.timeoutMs));
    return timing(input.records, startMs, tally.t);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/** The stream consumer with the same fetch sizes and wait; records as raw Buffers (the default deserializers). */
async function consumePlatformatic(input: KafkaClientChildInput): Promise<ConsumeTiming> {
  const { config } = input;
  // Imported here, so the kafkajs child runs even where the devDependency is not installed.
  const { Consumer } = await import('@platformatic/kafka');
  const fetch = learnerFetchSettings(config);
  const consumer = new Consumer({
    clientId: `${config.kafka.clientId}-bench`,
    bootstrapBrokers: [...config.kafka.brokers],
    groupId: input.groupId,
    maxBytes: fetch.maxBytes,
    maxBytesPerPartition: fetch.maxBytesPerPartition,
    maxWaitTime: fetch.maxWaitTimeInMs,
    sessionTimeout: fetch.sessionTimeout,
    heartbeatInterval: fetch.heartbeatInterval,
    timeout: config.kafka.requestTimeoutMs,
    retries: 5,
  });
  const tally = createTally(input.records, config.learner.maxEventBytes);
  const done = doneWhen();
  try {
    const startMs = performance.now();
    const stream = await withTimeout(
      consumer.consume({ topics: [input.consumeTopic], mode: 'earliest', autocommit: false }),
      input.timeoutMs,
      deadline('@platformatic/kafka consume (join)', input.timeoutMs),
    );
    stream.on('error', (err: Error) => done.reject(err));
    stream.on('data', (m) => {
      if (tally.add(m.key, m.value)) done.resolve();
    });
    await withTimeout(done.promise, input.timeoutMs, deadline('@platformatic/kafka consume', input.timeoutMs));
    return timing(input.records, startMs, tally.t);
  } finally {
    // close(force) with a boolean types as the callback overload; a close error is not a result.
    await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
  }
}

function backlogMessages(input: KafkaClientChildInput): Array<{ key: Buffer; value: Buffer }> {
  const stream = createClickstream(input.clickstream);
  const out = [];
  for (let i = 0; i < input.records; i++) {
    const e = stream.next();
    out.push({ key: Buffer.from(e.userId), value: encodeEvent(e, 'msgpack') });
  }
  return out;
}

/** The engine's own producer (idempotent, acks=all, one request in flight) and its chunked send. */
async function produceKafkajs(input: KafkaClientChildInput, messages: Message[]): Promise<ProduceTiming> {
  const { config } = input;
  const producer = await connectProducer(createKafka(config, benchLog), config, benchLog);
  try {
    await sendChunked(producer, input.produceTopic, [{ key: 'warm-up', value: Buffer.from('warm-up') }], config.kafka.requestTimeoutMs);
    const t0 = performance.now();
    await withTimeout(sendChunked(producer, input.produceTopic, messages, config.kafka.requestTimeoutMs, input.chunk), input.timeoutMs, deadline('kafkajs produce', input.timeoutMs));
    return { records: messages.length, sendMs: performance.now() - t0 };
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/**
 * Idempotent, acks=all, the Java-compatible murmur2 partitioner (as the engine's kafkajs
 * producer), one awaited send per chunk of the same size.
 */
async function producePlatformatic(input: KafkaClientChildInput, messages: Array<{ key: Buffer; value: Buffer }>): Promise<ProduceTiming> {
  const { config } = input;
  const { Producer, ProduceAcks, compatibilityPartitioner } = await import('@platformatic/kafka');
  const producer = new Producer({
    clientId: `${config.kafka.clientId}-bench`,
    bootstrapBrokers: [...config.kafka.brokers],
    idempotent: true,
    acks: ProduceAcks.ALL,
    partitioner: compatibilityPartitioner,
    autocreateTopics: false,
    timeout: config.kafka.requestTimeoutMs,
    retries: 5,
  });
  const topic = input.produceTopic;
  try {
    await withTimeout(producer.send({ messages: [{ topic, key: Buffer.from('warm-up'), value: Buffer.from('warm-up') }] }), input.timeoutMs, deadline('@platformatic/kafka warm-up send', input.timeoutMs));
    const t0 = performance.now();
    const sendAll = async () => {
      for (let i = 0; i < messages.length; i += input.chunk) {
        await producer.send({ messages: messages.slice(i, i + input.chunk).map((m) => ({ topic, key: m.key, value: m.value })) });
      }
    };
    await withTimeout(sendAll(), input.timeoutMs, deadline('@platformatic/kafka produce', input.timeoutMs));
    return { records: messages.length, sendMs: performance.now() - t0 };
  } finally {
    await producer.close().catch(() => undefined);
  }
}

const input = childInput<KafkaClientChildInput>();
const messages = backlogMessages(input);
const consume = input.client === 'kafkajs' ? await consumeKafkajs(input) : await consumePlatformatic(input);
const produce = input.client === 'kafkajs' ? await produceKafkajs(input, messages) : await producePlatformatic(input, messages);
await childOutput({ consume, produce } satisfies KafkaClientChildOutput);
// A client's leftover sockets or timers must not keep the child alive past its answer.
process.exit(0);

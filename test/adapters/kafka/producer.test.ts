import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkajs } from '../../../src/adapters/kafka/client.ts';
import { connectProducer, isSequenceFault, sendBounded } from '../../../src/adapters/kafka/producer.ts';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/log.ts';

const { KafkaJSConnectionError } = kafkajs();
// kafkajs's typings leave out what its constructors take (an error description; a cause).
const KafkaJSProtocolError = kafkajs().KafkaJSProtocolError as unknown as new (e: { message: string; type: string; code: number; retriable: boolean }) => Error;
const KafkaJSNonRetriableError = kafkajs().KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => Error;

/** How kafkajs's retrier rejects a send the broker refused for its sequence (retry/index.js). */
function sequenceFault(): Error {
  const protocol = new KafkaJSProtocolError({ message: 'The broker received an out of order sequence number', type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', code: 45, retriable: false });
  return new KafkaJSNonRetriableError(protocol, { cause: protocol });
}

interface FakeProducer {
  id: number;
  sent: number;
  disconnected: boolean;
  failNext?: Error;
}

/** kafkajs's producer() as far as connectProducer uses it; each producer fails its send when told. */
function fakeKafka(): { kafka: Kafka; made: FakeProducer[] } {
  const made: FakeProducer[] = [];
  const producer = () => {
    const state: FakeProducer = { id: made.length, sent: 0, disconnected: false };
    made.push(state);
    return {
      connect: async () => undefined,
      disconnect: async () => {
        state.disconnected = true;
      },
      send: async () => {
        const err = state.failNext;
        state.failNext = undefined;
        if (err) throw err;
        state.sent++;
        return [];
      },
    };
  };
  return { kafka: { producer } as unknown as Kafka, made };
}

const config = loadConfig({});
const log = createLogger('test', 'silent');
const record = { topic: 't', messages: [{ key: 'k', value: 'v' }] };

describe('the engine producer', () => {
  it('tells sequence faults from other failures, however kafkajs wraps them', () => {
    expect(isSequenceFault(sequenceFault())).toBe(true);
    expect(isSequenceFault(new KafkaJSProtocolError({ message: 'x', type: 'UNKNOWN_PRODUCER_ID', code: 59, retriable: false }))).toBe(true);
    expect(isSequenceFault(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'))).toBe(false);
    expect(isSequenceFault(new KafkaJSProtocolError({ message: 'x', type: 'NOT_LEADER_FOR_PARTITION', code: 6, retriable: true }))).toBe(false);
    expect(isSequenceFault(undefined)).toBe(false);
  });

  it('replaces a producer the broker refuses for its sequence: that send fails retryably, the next goes through a new one', async () => {
    const { kafka, made } = fakeKafka();
    const producer = await connectProducer(kafka, config, log);
    await producer.send(record);
    made[0]!.failNext = sequenceFault();
    const failed = await sendBounded(producer, 't', record.messages, 1000).catch((err: unknown) => err);
    // Whatever kafkajs calls it, the caller sees a fault to retry (POST /v1/events answers 503 with what reached Kafka).
    expect(failed).toMatchObject({ code: 'KAFKA_UNAVAILABLE', retryable: true });
    await producer.send(record);
    expect(made).toHaveLength(2);
    expect(made[0]).toMatchObject({ sent: 1, disconnected: true });
    expect(made[1]).toMatchObject({ sent: 1, disconnected: false });
    await producer.disconnect();
    expect(made[1]!.disconnected).toBe(true);
  });

  it('keeps its producer through other failures (a broker down is retried by the same producer)', async () => {
    const { kafka, made } = fakeKafka();
    const producer = await connectProducer(kafka, config, log);
    made[0]!.failNext = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED');
    await expect(producer.send(record)).rejects.toThrow(/ECONNREFUSED/);
    await producer.send(record);
    expect(made).toHaveLength(1);
  });
});

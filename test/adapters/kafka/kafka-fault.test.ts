import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaFault } from '../../../src/adapters/kafka/client.ts';
import { StreamrecError } from '../../../src/errors.ts';

describe('kafkaFault', () => {
  it('calls a dead broker transient even after kafkajs wrapped it as non-retriable', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:19092');
    // What a consumer commit or a send throws once kafkajs's own retries are spent.
    const spent = new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 5000 });
    expect(spent.retriable).toBe(false);
    const e = kafkaFault(spent, 'committing offsets');
    expect(e).toMatchObject({ code: 'KAFKA_UNAVAILABLE', retryable: true });
    expect(e.message).toMatch(/^committing offsets failed: .*ECONNREFUSED/);
    expect(e.hint).toMatch(/KAFKA_BROKERS/);
  });

  it('keeps what kafkajs marks permanent (no transient cause) as INTERNAL, and unmarked errors retryable', () => {
    const tooLarge = Object.assign(new Error('The request included a message larger than the max message size'), { retriable: false });
    expect(kafkaFault(tooLarge, 'producing to t')).toMatchObject({ code: 'INTERNAL', retryable: false });
    expect(kafkaFault(new Error('socket hang up'), 'producing to t')).toMatchObject({ code: 'KAFKA_UNAVAILABLE', retryable: true });
    const already = new StreamrecError('KAFKA_UNAVAILABLE', 'deadline', { retryable: true });
    expect(kafkaFault(already, 'x')).toBe(already);
  });
});

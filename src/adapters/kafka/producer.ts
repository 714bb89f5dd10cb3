import type { Kafka, Message, Producer } from 'kafkajs';
import { kafkaFault, kafkajs } from './client.ts';
import type { Config } from '../../config.ts';
import { StreamrecError } from '../../errors.ts';
import { withTimeout } from '../../lifecycle.ts';
import type { Logger } from '../../log.ts';
import type { ProduceProgress } from '../../core/ports.ts';

/**
 * The one producer shape the engine uses: idempotent (no broker-side duplicates on
 * retry), acks=all, one request in flight so per-key order survives retries.
 */
export async function connectProducer(kafka: Kafka, config: Config, log: Logger): Promise<Producer> {
  // Named explicitly: the Java-compatible murmur2 partitioner, so a user's events land on the
  // same partition whoever produces them (and kafkajs stops warning about its v2 default).
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: kafkajs().Partitioners.DefaultPartitioner,
  });
  const timeoutMs = config.kafka.connectionTimeoutMs + config.kafka.requestTimeoutMs;
  try {
    await withTimeout(producer.connect(), timeoutMs, () => kafkaUnavailable(config, `producer did not connect within ${timeoutMs} ms`));
  } catch (err) {
    await producer.disconnect().catch(() => undefined);
    throw err instanceof StreamrecError ? err : kafkaUnavailable(config, (err as Error).message, err);
  }
  log.debug({ brokers: config.kafka.brokers }, 'kafka producer connected');
  return producer;
}

/**
 * Sends with acks=all under a deadline. kafkajs retries an idempotent send without a
 * limit, so the deadline is what turns a dead broker into a retryable KAFKA_UNAVAILABLE.
 */
export async function sendBounded(
  producer: Producer,
  topic: string,
  messages: Message[],
  timeoutMs: number,
): Promise<void> {
  if (messages.length === 0) return;
  try {
    await withTimeout(producer.send({ topic, messages, acks: -1 }), timeoutMs, () =>
      new StreamrecError('KAFKA_UNAVAILABLE', `producing to ${topic} did not finish within ${timeoutMs} ms`, { retryable: true }),
    );
  } catch (err) {
    throw kafkaFault(err, `producing to ${topic}`);
  }
}

// Stays well under the broker's default message.max.bytes (1 MiB), which bounds one
// partition's record batch inside a produce request.
const MAX_CHUNK_BYTES = 512 * 1024;
const RECORD_OVERHEAD_BYTES = 80;

/** Splits large sends by count and by bytes so no partition batch exceeds the broker limit. */
export async function sendChunked(
  producer: Producer,
  topic: string,
  messages: Message[],
  timeoutMs: number,
  chunkSize = 2000,
  progress: ProduceProgress = {},
): Promise<void> {
  const send = async (start: number, end: number) => {
    if (progress.signal?.aborted) {
      throw new StreamrecError('KAFKA_UNAVAILABLE', `producing to ${topic} stopped after ${start} of ${messages.length} messages (the caller gave up)`, { retryable: true });
    }
    progress.sending?.(end);
    await sendBounded(producer, topic, messages.slice(start, end), timeoutMs);
    progress.acked?.(end);
  };
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < messages.length; i++) {
    const size = byteLength(messages[i]!.value) + byteLength(messages[i]!.key) + RECORD_OVERHEAD_BYTES;
    if (i > start && (i - start >= chunkSize || bytes + size > MAX_CHUNK_BYTES)) {
      await send(start, i);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < messages.length) await send(start, messages.length);
}

function byteLength(v: Message['value'] | Message['key']): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

function kafkaUnavailable(config: Config, detail: string, cause?: unknown): StreamrecError {
  return new StreamrecError('KAFKA_UNAVAILABLE', `Kafka at ${config.kafka.brokers.join(',')} is unavailable: ${detail}`, {
    hint: 'start the local stack with `streamrec stack up` or set KAFKA_BROKERS',
    retryable: true,
    cause,
  });
}

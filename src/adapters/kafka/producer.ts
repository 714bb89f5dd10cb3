import type { Kafka, Message, Producer } from 'kafkajs';
import { kafkaFault, kafkajs } from './client.ts';
import type { Config } from '../../config.ts';
import { StreamrecError } from '../../errors.ts';
import { withTimeout } from '../../lifecycle.ts';
import type { Logger } from '../../log.ts';
import type { ProduceProgress } from '../../core/ports.ts';

/** What the engine asks of a producer: kafkajs's send and disconnect (connectProducer's). */
export type EngineProducer = Pick<Producer, 'send' | 'disconnect'>;

/**
 * Errors after which an idempotent producer never sends again: the broker lost or refuses the
 * producer's sequence state (typically after it was killed mid-request), and kafkajs keeps
 * resending with the same producer id and sequence numbers, failing every send from then on.
 */
const SEQUENCE_FAULTS: ReadonlySet<string> = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

/** Whether `err` (or what it wraps) is one of SEQUENCE_FAULTS. */
export function isSequenceFault(err: unknown, depth = 0): boolean {
  const e = err as { type?: unknown; cause?: unknown; originalError?: unknown } | undefined | null;
  if (e === undefined || e === null || typeof e !== 'object' || depth > 5) return false;
  if (typeof e.type === 'string' && SEQUENCE_FAULTS.has(e.type)) return true;
  return isSequenceFault(e.cause, depth + 1) || isSequenceFault(e.originalError, depth + 1);
}

/**
 * The one producer shape the engine uses: idempotent (no broker-side duplicates on
 * retry), acks=all, one request in flight so per-key order survives retries. A send that fails
 * with a sequence fault (SEQUENCE_FAULTS) replaces the kafkajs producer with a new one (a new
 * producer id, sequences from 0) for the sends after it; that send still fails, retryably, and
 * its caller resends, as after any failed send (what the broker already had is then written
 * twice, which consumers recognise by eventId, as they do a client's resend).
 */
export async function connectProducer(kafka: Kafka, config: Config, log: Logger): Promise<EngineProducer> {
  let current = await connectOne(kafka, config, log);
  let replacing: Promise<void> | undefined;
  let closed = false;
  const replace = (broken: Producer, err: unknown): void => {
    if (closed || broken !== current || replacing) return;
    replacing = (async () => {
      try {
        current = await connectOne(kafka, config, log);
        log.warn({ err: (err as Error)?.message }, 'kafka producer lost its sequence state at the broker; replaced by a new one');
        await broken.disconnect().catch(() => undefined);
      } catch (connectErr) {
        // Kept: the next send that fails the same way tries again.
        log.warn({ err: (connectErr as Error).message }, 'could not replace the kafka producer after a sequence fault; will retry');
      } finally {
        replacing = undefined;
      }
    })();
  };
  return {
    async send(record) {
      // A replacement under way is bounded by the connect timeout (connectOne).
      if (replacing) await replacing;
      const producer = current;
      try {
        return await producer.send(record);
      } catch (err) {
        if (isSequenceFault(err)) replace(producer, err);
        throw err;
      }
    },
    async disconnect() {
      closed = true;
      if (replacing) await replacing;
      await current.disconnect();
    },
  };
}

async function connectOne(kafka: Kafka, config: Config, log: Logger): Promise<Producer> {
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
  producer: EngineProducer,
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
    if (isSequenceFault(err)) {
      throw new StreamrecError('KAFKA_UNAVAILABLE', `producing to ${topic} failed: the broker no longer knows this producer's sequence (it restarted mid-request); the producer is replaced`, {
        retryable: true,
        cause: err,
        hint: 'retry the send',
      });
    }
    throw kafkaFault(err, `producing to ${topic}`);
  }
}

// Stays well under the broker's default message.max.bytes (1 MiB), which bounds one
// partition's record batch inside a produce request.
const MAX_CHUNK_BYTES = 512 * 1024;
const RECORD_OVERHEAD_BYTES = 80;

/** Splits large sends by count and by bytes so no partition batch exceeds the broker limit. */
export async function sendChunked(
  producer: EngineProducer,
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

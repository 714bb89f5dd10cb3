import type { Kafka } from 'kafkajs';
import type { Config } from '../../config.ts';
import type { ClickEvent } from '../../core/events.ts';
import type { Logger } from '../../log.ts';
import { encodeEvent, type EventFormat } from './codec.ts';
import { connectProducer, sendChunked, type EngineProducer } from './producer.ts';
import type { ProduceProgress } from '../../core/ports.ts';

export interface ClickstreamProducer {
  /**
   * Produces events keyed by userId (one user stays on one partition, in order), with
   * acks=all through the idempotent producer. Resolves once the broker has them all;
   * throws a retryable KAFKA_UNAVAILABLE when it cannot within the request timeout.
   * Validate first (parseEvent): this does not. `progress` follows the chunks, so a caller can
   * say which events reached Kafka when it fails half-way.
   */
  send(events: readonly ClickEvent[], format?: EventFormat, progress?: ProduceProgress): Promise<void>;
  close(): Promise<void>;
}

/** Used by POST /v1/events and `streamrec feed`. */
export async function createClickstreamProducer(
  kafka: Kafka,
  config: Config,
  log: Logger,
  options: { producer?: EngineProducer } = {},
): Promise<ClickstreamProducer> {
  const owned = options.producer === undefined;
  const producer = options.producer ?? (await connectProducer(kafka, config, log));
  const topic = config.topics.clickstream;
  return {
    send: (events, format = 'json', progress) =>
      sendChunked(
        producer,
        topic,
        events.map((e) => ({ key: e.userId, value: encodeEvent(e, format) })),
        config.kafka.requestTimeoutMs,
        undefined,
        progress,
      ),
    async close() {
      if (owned) await producer.disconnect();
    },
  };
}

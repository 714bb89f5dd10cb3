import type { Config } from '../../config.ts';
import { isStreamrecError } from '../../errors.ts';
import { toDeadLetterMessage } from './dead-letter.ts';
import { encodeItemEmbedding } from './item-embeddings.ts';
import { sendChunked, type EngineProducer } from './producer.ts';
import { toRecommendationMessage } from './recommendations.ts';
import type { PipelineSink } from '../../core/ports.ts';

export interface PipelineSinkLimits {
  /** The dead-letter topic's max.message.bytes (topics.ts readMaxMessageBytes). */
  readonly deadLetterTopicMaxBytes: number;
}

/**
 * A dead-letter record is at most this share of its topic's limit, so it fits with room
 * for the batch framing and for a limit lowered by a few bytes.
 */
const DEAD_LETTER_SHARE_OF_LIMIT = 0.5;
/** Metadata, the key and a first slice of the value: what any Kafka topic takes. */
const MINIMAL_DEAD_LETTER_BYTES = 4096;

export function createKafkaPipelineSink(producer: EngineProducer, config: Config, limits: PipelineSinkLimits): PipelineSink {
  const timeoutMs = config.kafka.requestTimeoutMs;
  const deadLetterMaxBytes = Math.floor(limits.deadLetterTopicMaxBytes * DEAD_LETTER_SHARE_OF_LIMIT);
  return {
    async deadLetters(letters) {
      const send = (maxBytes: number) => sendChunked(producer, config.topics.deadLetter, letters.map((l) => toDeadLetterMessage(l, maxBytes)), timeoutMs);
      try {
        await send(deadLetterMaxBytes);
      } catch (err) {
        // Refused for good (the topic's limit lowered since it was read, say): no retry can
        // fix that, so the letters go again cut to their metadata rather than stall the
        // partition. Chunks sent before the refusal are then on the topic twice.
        if (!isStreamrecError(err) || err.retryable) throw err;
        await send(MINIMAL_DEAD_LETTER_BYTES);
      }
    },
    recommendations: (lists) =>
      sendChunked(producer, config.topics.recommendations, lists.map(toRecommendationMessage), timeoutMs),
    itemEmbeddings: (records) =>
      sendChunked(
        producer,
        config.topics.itemEmbeddings,
        records.map((r) => ({ key: r.itemId, value: encodeItemEmbedding(r) })),
        timeoutMs,
      ),
  };
}

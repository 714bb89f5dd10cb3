import type { Producer } from 'kafkajs';
import type { Config } from '../../config.ts';
import { toDeadLetterMessage, type DeadLetter } from './dead-letter.ts';
import { encodeItemEmbedding, type ItemEmbeddingRecord } from './item-embeddings.ts';
import { sendChunked } from './producer.ts';
import { toRecommendationMessage, type RecommendationList } from './recommendations.ts';

/** Everything the learner writes to Kafka, through one shared idempotent producer. */
export interface PipelineSink {
  deadLetters(letters: readonly DeadLetter[]): Promise<void>;
  recommendations(lists: readonly RecommendationList[]): Promise<void>;
  itemEmbeddings(records: readonly ItemEmbeddingRecord[]): Promise<void>;
}

export function createKafkaPipelineSink(producer: Producer, config: Config): PipelineSink {
  const timeoutMs = config.kafka.requestTimeoutMs;
  return {
    deadLetters: (letters) => sendChunked(producer, config.topics.deadLetter, letters.map(toDeadLetterMessage), timeoutMs),
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

import { randomUUID } from 'node:crypto';
import type { KafkaClient } from '../adapters/kafka/client.ts';
import { decodeEvent } from '../adapters/kafka/codec.ts';
import { createGroupConsumer } from '../adapters/kafka/group-consumer.ts';
import { readPartitionOffsets } from '../adapters/kafka/offsets.ts';
import type { Config } from '../config.ts';
import { createTrending, type Trending } from '../core/trending.ts';
import type { Logger } from '../log.ts';

export interface TrendingFeed {
  /** The process's own copy: recommend falls back to it even when Redis and Kafka are down. */
  readonly trending: Trending;
  readonly eventsSeen: number;
  stop(): Promise<void>;
}

/**
 * Keeps an in-process trending copy by tailing the clickstream in a group of its own
 * (nothing committed), starting `lookbackMs` back in broker time so a restarted API has
 * popular items again within seconds. Trending is popularity, not state: a few events
 * missed or seen twice around a restart shift scores slightly and nothing else.
 */
export async function startTrendingFeed(kafka: KafkaClient, config: Config, log: Logger, lookbackMs: number): Promise<TrendingFeed> {
  const topic = config.topics.clickstream;
  const trending = createTrending(config.model.trendingHalfLifeMs);
  const weights = config.model.weights;
  let eventsSeen = 0;
  const starts = await readPartitionOffsets(kafka, config, topic, Date.now() - lookbackMs);
  const consumer = createGroupConsumer(kafka, config, log, {
    name: 'trending feed',
    groupId: `${config.kafka.clientId}-api-trending-${randomUUID()}`,
    topic,
    fromBeginning: false,
    maxWaitTimeInMs: 250,
    commitsByHand: false,
    eachBatch: async (batch) => {
      for (const m of batch.messages) {
        const decoded = decodeEvent(m.key, m.value, { maxBytes: config.learner.maxEventBytes });
        if (!decoded.ok) continue;
        const weight = weights[decoded.event.type];
        if (weight > 0) trending.add(decoded.event.itemId, decoded.event.ts, weight);
        eventsSeen++;
      }
    },
  });
  await consumer.start();
  // at -1 means nothing that recent: the consumer then starts at the end, which is right.
  for (const s of starts) if (s.at !== undefined && s.at >= 0) consumer.seek(s.partition, String(s.at));
  log.info({ topic, lookbackMs }, 'trending feed started');
  return {
    trending,
    get eventsSeen() {
      return eventsSeen;
    },
    async stop() {
      await consumer.stop();
    },
  };
}

import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { decodeEvent } from '../adapters/kafka/codec.ts';
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
export async function startTrendingFeed(kafka: Kafka, config: Config, log: Logger, lookbackMs: number): Promise<TrendingFeed> {
  const topic = config.topics.clickstream;
  const trending = createTrending(config.model.trendingHalfLifeMs);
  const weights = config.model.weights;
  let eventsSeen = 0;
  const consumer: Consumer = kafka.consumer({
    groupId: `${config.kafka.clientId}-api-trending-${randomUUID()}`,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
  });
  const admin = kafka.admin();
  let starts: Array<{ partition: number; offset: string }>;
  try {
    await admin.connect();
    starts = await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - lookbackMs);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const decoded = decodeEvent(m.key, m.value, { maxBytes: config.learner.maxEventBytes });
        if (!decoded.ok) continue;
        const weight = weights[decoded.event.type];
        if (weight > 0) trending.add(decoded.event.itemId, decoded.event.ts, weight);
        eventsSeen++;
      }
    },
  });
  // -1 means nothing that recent: the consumer then starts at the end, which is right.
  for (const s of starts) if (Number(s.offset) >= 0) consumer.seek({ topic, partition: s.partition, offset: s.offset });
  log.info({ topic, lookbackMs }, 'trending feed started');
  return {
    trending,
    get eventsSeen() {
      return eventsSeen;
    },
    async stop() {
      await consumer.disconnect();
    },
  };
}

import { join } from 'node:path';
import { createClickstreamProducer } from '../adapters/kafka/clickstream-producer.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import { createItemEmbeddingsPublisher } from '../adapters/kafka/item-embeddings.ts';
import { createRedis } from '../adapters/redis/client.ts';
import { createRedisKeys } from '../adapters/redis/keys.ts';
import { createRedisModelStore } from '../adapters/redis/model-store.ts';
import type { Config } from '../config.ts';
import type { ClickEvent } from '../core/events.ts';
import type { ModelMeta } from '../core/stores.ts';
import { readDataset } from '../datasets/read-dataset.ts';
import { shiftToPresent } from '../datasets/shift-time.ts';
import type { Logger } from '../log.ts';
import { REPO_ROOT } from '../runtime-paths.ts';
import { trainAndPublish } from '../training/train-and-publish.ts';

export const DEMO_DATA_PATH = join(REPO_ROOT, 'data', 'demo-clickstream.jsonl');

export interface DemoInfo {
  /** The most active user of the demo data: the one the printed curl line asks about. */
  userId: string;
  events: number;
  modelVersion: string;
}

/**
 * The demo clickstream as `start` trains on it and feeds it: shifted so its latest event is
 * at `nowMs` (the file spans January 2026), so demo users' histories and trending are recent.
 */
export async function loadDemoEvents(nowMs: number): Promise<ClickEvent[]> {
  return shiftToPresent((await readDataset(DEMO_DATA_PATH, 'jsonl')).events, nowMs);
}

/**
 * Makes sure a model is being served. No model in Redis: train one from the demo data,
 * publish it, and feed the demo clickstream so demo users have histories. A model in Redis
 * but an empty item-embeddings topic (the broker's data was wiped): republish it from Redis.
 */
export async function ensureDemoModel(config: Config, log: Logger, say: (line: string) => void): Promise<DemoInfo> {
  const events = await loadDemoEvents(Date.now());
  const userId = mostActiveUser(events);
  const redis = await createRedis(config, log);
  const kafka = createKafka(config, log);
  try {
    const store = createRedisModelStore(redis, createRedisKeys(config.redis.keyPrefix));
    let meta: ModelMeta | undefined = await store.current();
    if (meta === undefined) {
      say(`streamrec: no model in Redis; training one from ${DEMO_DATA_PATH} (${events.length} events)…`);
      meta = (await trainAndPublish(config, log, events, 'data/demo-clickstream.jsonl')).meta;
      say('streamrec: feeding the demo clickstream into Kafka (the learner builds user states from it)…');
      const producer = await createClickstreamProducer(kafka, config, log);
      try {
        await producer.send(events);
      } finally {
        await producer.close();
      }
    } else if (await topicIsEmpty(kafka, config.topics.itemEmbeddings)) {
      say(`streamrec: republishing model ${meta.version} from Redis to ${config.topics.itemEmbeddings}…`);
      const vectors = await store.loadVectors(meta.version);
      const publisher = await createItemEmbeddingsPublisher(kafka, config, log);
      const version = meta.version;
      try {
        await publisher.publish([...vectors].map(([itemId, vector]) => ({ itemId, vector, modelVersion: version, updatedAtMs: Date.now(), source: 'train' as const })));
      } finally {
        await publisher.close();
      }
    }
    return { userId, events: events.length, modelVersion: meta.version };
  } finally {
    redis.disconnect();
  }
}

async function topicIsEmpty(kafka: ReturnType<typeof createKafka>, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.every((o) => o.high === o.low);
  } finally {
    await admin.disconnect();
  }
}

function mostActiveUser(events: readonly ClickEvent[]): string {
  const counts = new Map<string, number>();
  let best = '';
  let bestCount = 0;
  for (const e of events) {
    const c = (counts.get(e.userId) ?? 0) + 1;
    counts.set(e.userId, c);
    if (c > bestCount) [best, bestCount] = [e.userId, c];
  }
  return best;
}

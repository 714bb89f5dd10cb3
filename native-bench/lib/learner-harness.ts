import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { encodeEvent } from '../../src/adapters/kafka/codec.ts';
import { createPipelineMetrics } from '../../src/adapters/metrics/pipeline-metrics.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import type { Config } from '../../src/config.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import type { UserStateStore } from '../../src/core/stores.ts';
import { createHnswIndex, type HnswIndex } from '../../src/core/hnsw-index.ts';
import { createTrending } from '../../src/core/trending.ts';
import { createLogger } from '../../src/log.ts';
import { processBatch, type BatchResult, type ConsumedMessage } from '../../src/pipeline/batch.ts';
import { bindLearnerCore } from '../../src/pipeline/core-binding.ts';
import { ITEM_VECTORS_SEED, makeVectors, row } from '../ann/data.ts';
import { itemId } from './clickstream.ts';
import type { PipelineSink } from '../../src/core/ports.ts';

/**
 * The learner's own batch step (src/pipeline/batch.ts processBatch, bound to the model
 * core exactly as the worker binds it) over a real Redis user store; only the Kafka
 * sink is replaced by a counter, so Redis is the only I/O measured.
 */
export interface LearnerHarness {
  index: HnswIndex;
  store: UserStateStore;
  sinkCounts: { lists: number; letters: number; itemVectors: number };
  runBatch(partition: number, events: readonly ClickEvent[]): Promise<BatchResult>;
}

export function createLearnerHarness(config: Config, redis: Redis, itemCount: number): LearnerHarness {
  const index = createHnswIndex({ dim: config.model.dim, capacity: itemCount });
  const vectors = makeVectors(itemCount, config.model.dim, ITEM_VECTORS_SEED);
  const core = bindLearnerCore(config, index, createTrending(config.model.trendingHalfLifeMs));
  // As the item-embeddings tail does at start: trained vectors go into the index and the
  // core learns they are trained (otherwise it would learn online vectors for them).
  for (let i = 0; i < itemCount; i++) {
    const vector = row(vectors, i);
    index.upsert(itemId(i), vector);
    core.onItemChange({ kind: 'upsert', record: { itemId: itemId(i), vector, modelVersion: 'bench', updatedAtMs: 0, source: 'train' } });
  }
  core.setModelVersion('bench');
  const sinkCounts = { lists: 0, letters: 0, itemVectors: 0 };
  const sink: PipelineSink = {
    deadLetters: async (l) => void (sinkCounts.letters += l.length),
    recommendations: async (l) => void (sinkCounts.lists += l.length),
    itemEmbeddings: async (r) => void (sinkCounts.itemVectors += r.length),
  };
  const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));
  const deps = {
    store,
    core,
    sink,
    metrics: createPipelineMetrics(new Registry()),
    maxEventBytes: config.learner.maxEventBytes,
    clock: Date.now,
    log: createLogger('bench-learner', 'silent'),
  };
  const offsets = new Map<number, number>();
  return {
    index,
    store,
    sinkCounts,
    runBatch(partition, events) {
      let offset = offsets.get(partition) ?? 0;
      const messages: ConsumedMessage[] = events.map((e) => ({
        key: Buffer.from(e.userId),
        value: encodeEvent(e, 'msgpack'),
        offset: String(offset++),
        timestamp: String(Date.now()),
      }));
      offsets.set(partition, offset);
      return processBatch({ topic: config.topics.clickstream, partition, messages }, deps, (_name, fn) => fn());
    },
  };
}

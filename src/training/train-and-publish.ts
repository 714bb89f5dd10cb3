import { join } from 'node:path';
import { createKafka } from '../adapters/kafka/client.ts';
import { createItemEmbeddingsPublisher } from '../adapters/kafka/item-embeddings.ts';
import { ensureTopics } from '../adapters/kafka/topics.ts';
import { createRedis } from '../adapters/redis/client.ts';
import { createRedisKeys } from '../adapters/redis/keys.ts';
import { createRedisModelStore } from '../adapters/redis/model-store.ts';
import type { Config } from '../config.ts';
import type { ClickEvent } from '../core/events.ts';
import { createHnswIndex } from '../core/hnsw-index.ts';
import { saveHnswIndex } from '../adapters/fs/hnsw-snapshot.ts';
import { onlineModelParamsFrom } from '../core/online-model-params.ts';
import type { ModelMeta } from '../core/stores.ts';
import { trainItemEmbeddings, type TrainPhase } from '../core/trainer.ts';
import type { Logger } from '../log.ts';

export type PublishPhase = TrainPhase | 'redis' | 'kafka' | 'snapshot';

export interface TrainResult {
  meta: ModelMeta;
  snapshotPath: string;
}

/** Where `train` writes the HNSW snapshot of a version (under the stack's state dir). */
export function snapshotPathFor(config: Config, version: string): string {
  return join(config.stateDir, 'snapshots', `${config.redis.keyPrefix}-${version}.hnsw`);
}

/**
 * Offline training end to end: item embeddings from the events (core trainer, the same
 * factorisation the online model refits with), stored in Redis as a new version, published
 * to the item-embeddings topic (how every learner and API process receives them) and saved
 * as an HNSW snapshot for fast start.
 */
export async function trainAndPublish(
  config: Config,
  log: Logger,
  events: readonly ClickEvent[],
  source: string,
  onProgress: (phase: PublishPhase, done: number, total: number) => void = () => undefined,
  options: { snapshotPath?: string } = {},
): Promise<TrainResult> {
  const startedMs = Date.now();
  const interactions = events.map((e) => ({ userId: e.userId, itemId: e.itemId, weight: config.model.weights[e.type], ts: e.ts }));
  const params = onlineModelParamsFrom(config.model);
  const { meta, vectors } = trainItemEmbeddings(
    interactions,
    {
      dim: config.model.dim,
      window: params.cooccurrence.window,
      recencyDecay: params.cooccurrence.recencyDecay,
      refit: params.refit,
      createdAtMs: startedMs,
      trainedOn: { source, events: events.length },
    },
    onProgress,
  );
  meta.trainedOn.trainSeconds = Math.round((Date.now() - startedMs) / 100) / 10;

  const redis = await createRedis(config, log);
  try {
    onProgress('redis', 0, vectors.size);
    await createRedisModelStore(redis, createRedisKeys(config.redis.keyPrefix)).save(meta, vectors);
    onProgress('redis', vectors.size, vectors.size);
  } finally {
    redis.disconnect();
  }

  const kafka = createKafka(config, log);
  await ensureTopics(kafka, config, [config.topics.itemEmbeddings], log);
  const publisher = await createItemEmbeddingsPublisher(kafka, config, log);
  try {
    const updatedAtMs = Date.now();
    onProgress('kafka', 0, vectors.size);
    await publisher.publish(
      [...vectors].map(([itemId, vector]) => ({ itemId, vector, modelVersion: meta.version, updatedAtMs, source: 'train' as const })),
    );
    onProgress('kafka', vectors.size, vectors.size);
  } finally {
    await publisher.close();
  }

  const index = createHnswIndex({ dim: config.model.dim, capacity: Math.max(1024, vectors.size) });
  for (const [itemId, vector] of vectors) index.upsert(itemId, vector);
  const snapshotPath = options.snapshotPath ?? snapshotPathFor(config, meta.version);
  saveHnswIndex(index, snapshotPath);
  onProgress('snapshot', 1, 1);
  log.info({ version: meta.version, items: vectors.size, snapshotPath }, 'model trained and published');
  return { meta, snapshotPath };
}

import { createKafka } from '../adapters/kafka/client.ts';
import { createItemEmbeddingsPublisher } from '../adapters/kafka/item-embeddings.ts';
import { ensureTopics } from '../adapters/kafka/topics.ts';
import { createRedisCatalogStore } from '../adapters/redis/catalog-store.ts';
import { createRedis } from '../adapters/redis/client.ts';
import { createRedisKeys } from '../adapters/redis/keys.ts';
import { createRedisModelStore } from '../adapters/redis/model-store.ts';
import type { Config } from '../config.ts';
import { refitVersionName } from '../core/model-version.ts';
import { MODEL_VERSIONS_KEPT, type ModelMeta } from '../core/stores.ts';
import type { Vector } from '../core/vector.ts';
import { StreamrecError } from '../errors.ts';
import type { Logger } from '../log.ts';

export interface ModelVersions {
  /** Kept versions, newest first; the first is the one served. */
  versions: ModelMeta[];
  current: string | undefined;
}

/** The versions Redis keeps (current first) with their metadata: what a rollback can go back to. */
export async function listModelVersions(config: Config, log: Logger): Promise<ModelVersions> {
  const redis = await createRedis(config, log);
  try {
    const models = createRedisModelStore(redis, createRedisKeys(config.redis.keyPrefix));
    return { versions: await models.versions(), current: (await models.current())?.version };
  } finally {
    redis.disconnect();
  }
}

export interface RollbackResult {
  /** The new version: the restored one's vectors under a name that starts a lineage. */
  meta: ModelMeta;
  restored: string;
  replaced: string;
  /** Items the catalog marks unavailable, left out (a deleted item must not come back). */
  unavailable: number;
  /** Items of the replaced version the restored one lacks: they keep their vectors until the next refit places them. */
  notInRestored: number;
}

/**
 * Serves an earlier kept version again (the blue-green switch back): its vectors are saved as
 * a new version that starts a lineage (`v<now>`, as a train does: every stored ranking, made
 * with whatever was served, is stale at once and lists are searched for again with the restored
 * vectors) and published to item-embeddings as `train`, through which every learner and API
 * process updates its index; the refitter sees a version it did not make and aligns its next
 * refits onto it (refit-worker.ts). The replaced version stays kept, so a rollback can be undone
 * the same way. `to` defaults to the version before the current one.
 */
export async function rollbackModel(config: Config, log: Logger, to?: string): Promise<RollbackResult> {
  const redis = await createRedis(config, log);
  try {
    const keys = createRedisKeys(config.redis.keyPrefix);
    const models = createRedisModelStore(redis, keys);
    const current = await models.current();
    if (!current) throw new StreamrecError('NOT_FOUND', 'there is no model in Redis to roll back', { hint: 'train one first: streamrec train FILE --format F' });
    const kept = await models.versions();
    const names = kept.map((v) => v.version).join(', ');
    const target = to === undefined ? kept.find((v) => v.version !== current.version) : kept.find((v) => v.version === to);
    if (!target) {
      throw new StreamrecError('NOT_FOUND', to === undefined ? `no earlier version is kept (kept: ${names})` : `version ${to} is not kept (kept: ${names})`, {
        hint: `Redis keeps the vectors of the last ${MODEL_VERSIONS_KEPT} versions; streamrec model list shows them`,
      });
    }
    if (target.version === current.version) throw new StreamrecError('BAD_ARGUMENT', `version ${to} is the one served already`, { hint: 'streamrec model list shows the kept versions' });
    if (target.dim !== config.model.dim) {
      throw new StreamrecError('BAD_ARGUMENT', `version ${target.version} has ${target.dim} dims, the engine runs with ${config.model.dim}`, { hint: 'set EMBEDDING_DIM to match, or train a new model' });
    }
    const stored = await models.loadVectors(target.version);
    if (stored.size === 0) throw new StreamrecError('NOT_FOUND', `version ${target.version} has no vectors left in Redis`, { hint: 'streamrec model list shows the kept versions' });
    const catalog = await createRedisCatalogStore(redis, keys).getMany([...stored.keys()]);
    const vectors = new Map([...stored].filter(([itemId]) => catalog.get(itemId)?.available !== false));
    let notInRestored = 0;
    for (const itemId of (await models.loadVectors(current.version)).keys()) if (!stored.has(itemId)) notInRestored++;
    const createdAtMs = Math.max(Date.now(), current.createdAtMs + 1);
    const meta: ModelMeta = {
      version: refitVersionName(createdAtMs, undefined),
      dim: target.dim,
      itemCount: vectors.size,
      createdAtMs,
      trainedOn: { ...target.trainedOn, algorithm: 'rollback (streamrec model rollback)', restores: target.version, replaces: current.version },
    };
    // Published before `current` flips: should the publish fail, Redis still names the replaced
    // version and running the same rollback again does the whole thing.
    await publishVectors(config, log, meta.version, vectors);
    await models.save(meta, vectors);
    const result: RollbackResult = { meta, restored: target.version, replaced: current.version, unavailable: stored.size - vectors.size, notInRestored };
    log.info({ ...result, meta: undefined, version: meta.version, items: vectors.size }, 'model rolled back');
    return result;
  } finally {
    redis.disconnect();
  }
}

async function publishVectors(config: Config, log: Logger, version: string, vectors: ReadonlyMap<string, Vector>): Promise<void> {
  const kafka = createKafka(config, log);
  await ensureTopics(kafka, config, [config.topics.itemEmbeddings], log);
  const publisher = await createItemEmbeddingsPublisher(kafka, config, log);
  try {
    const updatedAtMs = Date.now();
    await publisher.publish([...vectors].map(([itemId, vector]) => ({ itemId, vector, modelVersion: version, updatedAtMs, source: 'train' as const })));
  } finally {
    await publisher.close();
  }
}

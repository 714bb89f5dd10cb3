import type { ViewDeps } from '../adapters/http/views.ts';
import { createKafkaOnDemand } from '../adapters/kafka/client.ts';
import { ensureTopics } from '../adapters/kafka/topics.ts';
import { createRedisCatalogStore } from '../adapters/redis/catalog-store.ts';
import { createRedis } from '../adapters/redis/client.ts';
import { createRedisKeys } from '../adapters/redis/keys.ts';
import { createRedisModelStore } from '../adapters/redis/model-store.ts';
import { createRedisUserStore } from '../adapters/redis/user-store.ts';
import type { Config } from '../config.ts';
import type { CatalogChangeBus } from '../core/stores.ts';
import { createTrending } from '../core/trending.ts';
import { StreamrecError } from '../errors.ts';
import { createCloser } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { startCatalogView } from './catalog-view.ts';
import { bindServingRecommender, loadServingModel } from './serving-model.ts';

/** What the API's read routes answer from, loaded once for a one-shot reader. */
export interface Inspection extends ViewDeps {
  close(): Promise<void>;
}

// A one-shot reader takes the catalog as it is now: no change can arrive while it answers.
const NO_CHANGES: CatalogChangeBus = {
  publish: async () => undefined,
  subscribe: async () => async () => undefined,
};

/**
 * What `streamrec inspect` answers from in-process: the API's model state (the same index,
 * rules, catalog and recommender as serving-model.ts builds for the API) read once, without
 * the HTTP stack, the producer, the health probes or the clickstream feed (a one-shot reader
 * reads no clickstream, so trending and the session neighbours are empty).
 */
export async function openInspection(config: Config, log: Logger): Promise<Inspection> {
  const closer = createCloser(log);
  try {
    const redis = await createRedis(config, log);
    closer.add('redis', () => redis.disconnect());
    const keys = createRedisKeys(config.redis.keyPrefix);
    // On a warm stack every Kafka question here is one the engine asks itself (topics, topic id,
    // offsets): kafkajs loads only for a replay or a non-empty item-neighbours topic.
    const kafka = createKafkaOnDemand(config, log);
    await ensureTopics(kafka, config, undefined, log);
    const catalog = await startCatalogView({
      store: createRedisCatalogStore(redis, keys),
      bus: NO_CHANGES,
      removeEmbedding: async () => {
        throw new StreamrecError('BAD_ARGUMENT', 'inspect does not change the catalog');
      },
      log,
    });
    closer.add('catalog view', () => catalog.close());
    const model = await loadServingModel(kafka, createRedisModelStore(redis, keys), config, log, closer, { follow: false });
    const trending = createTrending(config.model.trendingHalfLifeMs);
    return {
      config,
      users: createRedisUserStore(redis, keys),
      index: model.index,
      catalog,
      recommender: bindServingRecommender(config, model, catalog, { trending: () => trending }, log),
      modelVersion: model.modelVersion,
      close: () => closer.close(),
    };
  } catch (err) {
    await closer.close().catch(() => undefined);
    throw err;
  }
}

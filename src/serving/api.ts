import type { AddressInfo } from 'node:net';
import { buildApp, type HttpApp } from '../adapters/http/app.ts';
import { createClickstreamProducer } from '../adapters/kafka/clickstream-producer.ts';
import { createKafka, type KafkaClient } from '../adapters/kafka/client.ts';
import { createItemEmbeddingsTail } from '../adapters/kafka/item-embeddings-tail.ts';
import { createItemNeighboursTail } from '../adapters/kafka/item-neighbours-tail.ts';
import { createItemEmbeddingsPublisher } from '../adapters/kafka/item-embeddings.ts';
import { connectProducer } from '../adapters/kafka/producer.ts';
import { listTopicNames } from '../adapters/kafka/offsets.ts';
import { ensureTopics } from '../adapters/kafka/topics.ts';
import { createMetricsRegistry } from '../adapters/metrics/registry.ts';
import { createRedisCatalogChangeBus, createRedisCatalogStore } from '../adapters/redis/catalog-store.ts';
import { createRedisModelStore } from '../adapters/redis/model-store.ts';
import { createRedis } from '../adapters/redis/client.ts';
import { createRedisKeys } from '../adapters/redis/keys.ts';
import { createRedisUserStore } from '../adapters/redis/user-store.ts';
import type { Config } from '../config.ts';
import type { AnnIndex } from '../core/ann-index.ts';
import { createNeighbourTable } from '../core/neighbour-table.ts';
import { createSessionNeighbours } from '../core/session-neighbours.ts';
import type { ModelStore } from '../core/stores.ts';
import { onlineModelParamsFrom } from '../core/online-model.ts';
import { SIMILAR_DEPTH } from '../core/recommender.ts';
import { createTrending } from '../core/trending.ts';
import { StreamrecError } from '../errors.ts';
import { createCloser, withTimeout } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { bindRecommender } from './bound-recommender.ts';
import { startCatalogView } from './catalog-view.ts';
import { createHealthMonitor } from './health-monitor.ts';
import { openServingIndex, pruneOrphanSnapshots, type ServingIndex } from './serving-index.ts';
import { startTrendingFeed } from './trending-feed.ts';

export interface ApiProcess {
  app: HttpApp;
  close(): Promise<void>;
}

export interface RunningApi {
  /** http://host:port the API listens on. */
  address: string;
  close(): Promise<void>;
}

/**
 * Composes one API process without listening: Redis and Kafka clients, stores, the
 * catalog view, the HNSW index filled from the compacted item-embeddings topic (every
 * item the model ever published; waits until caught up, bounded by CATCH_UP_TIMEOUT_MS)
 * and kept current after, the co-visitation rules from item-neighbours (likewise), the trending copy, health probes, and the fastify app.
 * `streamrec inspect` uses it directly; startApi adds the listener.
 */
export interface ApiProcessOptions {
  /** Tail the clickstream for the trending fallback (off for one-shot uses like inspect). */
  trendingFeed?: boolean;
}

export async function createApiProcess(config: Config, log: Logger, options: ApiProcessOptions = {}): Promise<ApiProcess> {
  const closer = createCloser(log);
  try {
    const redis = await createRedis(config, log);
    closer.add('redis', () => redis.disconnect());
    const subscriber = redis.duplicate();
    // The main connection already warns about an outage; this one only must not crash.
    subscriber.on('error', (err: Error) => log.debug({ err: err.message }, 'redis subscriber connection error'));
    closer.add('redis subscriber', () => subscriber.disconnect());
    const keys = createRedisKeys(config.redis.keyPrefix);
    const kafka = createKafka(config, log);
    await ensureTopics(kafka, config, undefined, log);

    const producer = await connectProducer(kafka, config, log);
    closer.add('kafka producer', () => producer.disconnect());
    const clickstream = await createClickstreamProducer(kafka, config, log, { producer });
    const embeddings = await createItemEmbeddingsPublisher(kafka, config, log, { producer });

    const health = createHealthMonitor(redis, kafka.admin(), config.http.probeIntervalMs, log);
    closer.add('health probes', () => health.stop());
    await health.probe();

    const catalog = await startCatalogView({
      store: createRedisCatalogStore(redis, keys),
      bus: createRedisCatalogChangeBus(redis, subscriber, keys, log),
      // Bounded like POST /v1/events: a dead broker turns into a retryable 503, the catalog
      // already hides the item, and a retried DELETE is idempotent.
      removeEmbedding: (itemId) =>
        withTimeout(embeddings.remove([itemId]), config.http.produceTimeoutMs, () =>
          new StreamrecError('KAFKA_UNAVAILABLE', `the embedding tombstone of ${itemId} was not acknowledged within ${config.http.produceTimeoutMs} ms`, {
            hint: 'the item is already hidden from recommendations; retry the DELETE',
          }),
        ),
      log,
    });
    closer.add('catalog view', () => catalog.close());
    // Pub/sub drops what was published while disconnected: reload the catalog on reconnect
    // instead of waiting for the periodic resync.
    subscriber.on('ready', () => {
      catalog.resync().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'catalog resync after reconnect failed'));
    });

    const index = openServingIndex(config.model.dim, config.http.indexSnapshotDir, config.topics.itemEmbeddings, log, config.model.efSearch);
    let modelVersion = 'none';
    const tail = createItemEmbeddingsTail(kafka, config, index, log, {
      onChange: (change) => {
        if (change.kind === 'upsert' && change.record.source === 'train') modelVersion = change.record.modelVersion;
      },
    });
    closer.add('item-embeddings tail', () => tail.stop());
    const neighbours = createNeighbourTable();
    const neighboursTail = createItemNeighboursTail(kafka, config, neighbours, log);
    closer.add('item-neighbours tail', () => neighboursTail.stop());
    // Caught up beside the item-embeddings replay; awaited (bounded, never fatal on time) below.
    const neighboursCaughtUp = neighboursTail.start();
    neighboursCaughtUp.catch(() => undefined);
    const startedMs = Date.now();
    const models = createRedisModelStore(redis, keys);
    if (!index.fromSnapshot) modelVersion = (await seedFromModelStore(models, config, index, log)) ?? modelVersion;
    // The compacted topic holds every live item, so after a snapshot whatever it does not
    // replay was deleted while this process was away. (A ModelStore seed is not pruned: it
    // is what keeps the model when the topic was recreated.)
    if (index.fromSnapshot) index.beginReplay();
    await tail.start();
    const pruned = index.fromSnapshot ? index.endReplay() : 0;
    await neighboursCaughtUp;
    if (modelVersion === 'none') modelVersion = (await models.current())?.version ?? modelVersion;
    health.markIndexLoaded();
    log.info({ items: index.size, pruned, fromSnapshot: index.fromSnapshot, modelVersion, tookMs: Date.now() - startedMs }, 'index caught up with item-embeddings');
    saveSnapshot(index, log);
    closer.add('index snapshot', () => saveSnapshot(index, log));
    await pruneSnapshotsOfDeletedTopics(kafka, config, log);

    let trending = createTrending(config.model.trendingHalfLifeMs);
    const modelParams = onlineModelParamsFrom(config.model);
    const sessions = createSessionNeighbours(modelParams.sessions);
    if (options.trendingFeed ?? true) {
      const lookbackMs = Math.max(3 * config.model.trendingHalfLifeMs, config.model.sessionLookbackMs);
      const feed = await startTrendingFeed(kafka, config, log, lookbackMs, sessions);
      closer.add('trending feed', () => feed.stop());
      trending = feed.trending;
    }

    const registry = createMetricsRegistry('api');
    const app = await buildApp({
      config,
      log,
      users: createRedisUserStore(redis, keys),
      index,
      catalog,
      recommender: bindRecommender(index, catalog, () => trending, modelParams, log, {
        modelVersion: () => modelVersion,
        maxAgeMs: config.http.poolMaxAgeMs,
      }, Math.max(SIMILAR_DEPTH, 4 * config.model.maxK), { neighbours, sessions }),
      events: { send: (events, progress) => clickstream.send(events, 'json', progress) },
      health,
      modelVersion: () => modelVersion,
      registry,
    });
    closer.add('http app', async () => {
      health.markDraining();
      await app.close();
    });
    await app.ready();
    return { app, close: () => closer.close() };
  } catch (err) {
    await closer.close().catch(() => undefined);
    throw err;
  }
}

/** One API process, listening on config.http.host:port. What `streamrec serve` and `streamrec start` run. */
export async function startApi(config: Config, log: Logger): Promise<RunningApi> {
  const api = await createApiProcess(config, log);
  try {
    await api.app.listen({ host: config.http.host, port: config.http.port });
  } catch (err) {
    await api.close().catch(() => undefined);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StreamrecError('PORT_IN_USE', `port ${config.http.port} on ${config.http.host} is in use`, {
        hint: 'set PORT to a free port (0 picks one)',
      });
    }
    throw err;
  }
  const { address, port } = api.app.server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  log.info({ url, docs: `${url}/docs` }, 'API listening');
  return { address: url, close: () => api.close() };
}

/** A failed snapshot costs the next start time, never this process: log and go on. */
function saveSnapshot(index: ServingIndex, log: Logger): void {
  try {
    index.saveSnapshot();
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'index snapshot not written');
  }
}

/**
 * Without a snapshot, the current model version in Redis seeds the index before the topic
 * replay (which then skips identical vectors), as the learner does. Returns its version.
 */
async function seedFromModelStore(models: ModelStore, config: Config, index: AnnIndex, log: Logger): Promise<string | undefined> {
  const meta = await models.current();
  if (!meta) return undefined;
  if (meta.dim !== config.model.dim) {
    log.warn({ version: meta.version, dim: meta.dim, expected: config.model.dim }, 'model in Redis has another dimension; not loaded');
    return undefined;
  }
  const vectors = await models.loadVectors(meta.version);
  for (const [itemId, vector] of vectors) index.upsert(itemId, vector);
  log.info({ version: meta.version, items: vectors.size }, 'model loaded from Redis');
  return meta.version;
}

/** Housekeeping only: a failure here never stops the API from starting. */
async function pruneSnapshotsOfDeletedTopics(kafka: KafkaClient, config: Config, log: Logger): Promise<void> {
  if (config.http.indexSnapshotDir === undefined) return;
  try {
    pruneOrphanSnapshots(config.http.indexSnapshotDir, new Set(await listTopicNames(kafka, config)), log);
  } catch (err) {
    log.debug({ err: (err as Error).message }, 'snapshot housekeeping skipped');
  }
}

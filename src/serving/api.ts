import type { AddressInfo } from 'node:net';
import { buildApp, type HttpApp } from '../adapters/http/app.ts';
import { createClickstreamProducer } from '../adapters/kafka/clickstream-producer.ts';
import { createKafka, type KafkaClient } from '../adapters/kafka/client.ts';
import { createItemEmbeddingsPublisher } from '../adapters/kafka/item-embeddings.ts';
import { connectProducer } from '../adapters/kafka/producer.ts';
import { listTopicNames } from '../adapters/kafka/offsets.ts';
import { ensureTopics } from '../adapters/kafka/topics.ts';
import { createMetricsRegistry } from '../adapters/metrics/registry.ts';
import { registerBlendMetrics, registerColdMetrics, registerIndexMetrics } from '../adapters/metrics/pipeline-metrics.ts';
import { loadBlend } from '../adapters/redis/blend-store.ts';
import { COLD_ITEMS_PER_HORIZON, loadColdChoice, startColdSaver, usersSaveEveryMs } from '../adapters/redis/cold-store.ts';
import { createRedisCatalogChangeBus, createRedisCatalogStore } from '../adapters/redis/catalog-store.ts';
import { createRedisModelStore } from '../adapters/redis/model-store.ts';
import { createRedis } from '../adapters/redis/client.ts';
import { createRedisKeys } from '../adapters/redis/keys.ts';
import { createRedisUserStore } from '../adapters/redis/user-store.ts';
import type { ClickEvent } from '../core/events.ts';
import type { Config } from '../config.ts';
import { createSessionNeighbours } from '../core/session-neighbours.ts';
import { DEFAULT_COLD_CHOICE } from '../core/cold-choice.ts';
import { onlineModelParamsFrom } from '../core/online-model-params.ts';
import { StreamrecError } from '../errors.ts';
import { createCloser, withTimeout } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { startCatalogView } from './catalog-view.ts';
import { createHealthMonitor, type HealthMonitor } from './health-monitor.ts';
import { pruneOrphanSnapshots } from './serving-index.ts';
import { bindServingRecommender, loadServingModel } from './serving-model.ts';
import { startTrendingFeed, type TrendingFeed } from './trending-feed.ts';

export interface ApiProcess {
  app: HttpApp;
  /** Resolves once /readyz may say ready as far as the clickstream feed goes (caught up, or its bound passed). */
  warm: Promise<void>;
  close(): Promise<void>;
}

export interface RunningApi {
  /** http://host:port the API listens on. */
  address: string;
  /** ApiProcess.warm: the feed has replayed its lookback (bounded by CATCH_UP_TIMEOUT_MS). */
  warm: Promise<void>;
  close(): Promise<void>;
}

/**
 * Composes one API process without listening: Redis and Kafka clients, stores, the
 * catalog view, the model's index and co-visitation rules (serving-model.ts), the trending
 * copy, health probes, and the fastify app. startApi adds the listener.
 */
async function createApiProcess(config: Config, log: Logger): Promise<ApiProcess> {
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

    const model = await loadServingModel(kafka, createRedisModelStore(redis, keys), config, log, closer);
    health.markIndexLoaded();
    await pruneSnapshotsOfDeletedTopics(kafka, config, log);

    // The clickstream feed keeps trending and the session-neighbour index current.
    const sessions = createSessionNeighbours(onlineModelParamsFrom(config.model).sessions);
    const lookbackMs = Math.max(3 * config.model.trendingHalfLifeMs, config.model.sessionLookbackMs);
    // The recommender is bound after the feed starts; events before that find no lists to credit.
    const feedback: { afterEvent?: (event: ClickEvent) => void } = {};
    // The cold-user horizons (up to a year) hold far more than the lookback: carried over from the last save.
    const topic = config.topics.clickstream;
    const coldRestored = await loadColdChoice(redis, keys, topic, DEFAULT_COLD_CHOICE, config.model.trendingHalfLifeMs, log);
    const feed = await startTrendingFeed(kafka, config, log, lookbackMs, sessions, (event) => feedback.afterEvent?.(event), DEFAULT_COLD_CHOICE, coldRestored);
    closer.add('trending feed', () => feed.stop());
    const coldSaver = startColdSaver(redis, keys, topic, () => feed.coldSnapshot(COLD_ITEMS_PER_HORIZON), log, { users: { snapshot: () => feed.usersSnapshot(), everyMs: usersSaveEveryMs(lookbackMs) } });
    closer.add('cold-user choice', () => coldSaver.stop());
    const warm = markFeedCurrentWhenCaughtUp(feed, health, config.learner.catchUpTimeoutMs, log);
    const blendRestored = await loadBlend(redis, keys, config.learner.groupId, onlineModelParamsFrom(config.model).blendChoice, log);
    const recommender = bindServingRecommender(config, model, catalog, { trending: () => feed.trending, sessions, cold: feed.cold }, log, blendRestored);
    feedback.afterEvent = (event) => recommender.afterEvent(event);

    const registry = createMetricsRegistry('api');
    registerBlendMetrics(registry, () => recommender.blend());
    registerIndexMetrics(registry, model.index);
    registerColdMetrics(registry, () => recommender.cold());
    const app = await buildApp({
      config,
      log,
      users: createRedisUserStore(redis, keys),
      index: model.index,
      catalog,
      recommender,
      events: { send: (events, progress) => clickstream.send(events, 'json', progress) },
      health,
      modelVersion: model.modelVersion,
      registry,
    });
    closer.add('http app', async () => {
      health.markDraining();
      await app.close();
    });
    await app.ready();
    return { app, warm, close: () => closer.close() };
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
  return { address: url, warm: api.warm, close: () => api.close() };
}

/**
 * Ready once the feed has replayed its lookback: before that, answers come from partial
 * trending and session neighbours and wait behind the replay. Bounded: a feed that cannot
 * catch up (a broker slow to answer, a lookback too large) must not keep the API out of
 * rotation for good, so past `timeoutMs` (CATCH_UP_TIMEOUT_MS) it says ready anyway and warns.
 */
async function markFeedCurrentWhenCaughtUp(feed: TrendingFeed, health: HealthMonitor, timeoutMs: number, log: Logger): Promise<void> {
  const outcome = await feed.whenCaughtUp(timeoutMs);
  if (outcome === 'stopped') return;
  if (outcome === 'timeout') log.warn({ timeoutMs, events: feed.eventsSeen }, 'clickstream feed still replaying its lookback; ready anyway (CATCH_UP_TIMEOUT_MS)');
  health.markFeedCurrent();
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

import { createKafka } from '../adapters/kafka/client.ts';
import { createItemEmbeddingsTail, type ItemEmbeddingsTail } from '../adapters/kafka/item-embeddings-tail.ts';
import { createItemNeighboursTail, type ItemNeighboursTail } from '../adapters/kafka/item-neighbours-tail.ts';
import { createNeighbourTable, type NeighbourTable } from '../core/neighbour-table.ts';
import { startClickstreamTail, type ClickstreamTail } from '../adapters/kafka/clickstream-tail.ts';
import { onlineModelParamsFrom } from '../core/online-model-params.ts';
import { createSessionNeighbours, type SessionNeighbours } from '../core/session-neighbours.ts';
import { createKafkaPipelineSink } from '../adapters/kafka/pipeline-sink.ts';
import { connectProducer } from '../adapters/kafka/producer.ts';
import { ensureTopics, readMaxMessageBytes } from '../adapters/kafka/topics.ts';
import { fetchTopicId, topicTag } from '../adapters/kafka/topic-id.ts';
import { StreamrecError } from '../errors.ts';
import { createPipelineMetrics, registerBlendMetrics, registerIndexMetrics } from '../adapters/metrics/pipeline-metrics.ts';
import { createMetricsRegistry, serveMetrics } from '../adapters/metrics/registry.ts';
import { createRedis } from '../adapters/redis/client.ts';
import { createRedisKeys } from '../adapters/redis/keys.ts';
import { createRedisUserStore } from '../adapters/redis/user-store.ts';
import type { Config } from '../config.ts';
import { createRedisModelStore } from '../adapters/redis/model-store.ts';
import { createRedisCatalogChangeBus, createRedisCatalogStore } from '../adapters/redis/catalog-store.ts';
import { createItemEmbeddingsPublisher } from '../adapters/kafka/item-embeddings.ts';
import { startCatalogView } from '../serving/catalog-view.ts';
import type { AnnIndex } from '../core/ann-index.ts';
import { openServingIndex } from '../serving/serving-index.ts';
import type { BoundLearnerCore } from './core-binding.ts';
import type { ModelStore } from '../core/stores.ts';
import { openPersistedTrending } from '../adapters/redis/trending-store.ts';
import { loadBlend, startBlendSaver } from '../adapters/redis/blend-store.ts';
import { createCloser, type WorkerState } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { bindLearnerCore } from './core-binding.ts';
import { createLearnerService } from './learner-service.ts';

export interface LearnerRuntime {
  readonly state: WorkerState;
  readonly metricsPort: number | undefined;
  readonly tail: ItemEmbeddingsTail;
  readonly neighboursTail: ItemNeighboursTail;
  /** The co-visitation rules this learner ranks with (replicated from item-neighbours). */
  readonly neighbours: NeighbourTable;
  /** The session-neighbour index this learner ranks with, fed by its own tail of the whole clickstream. */
  readonly sessions: SessionNeighbours;
  readonly sessionsTail: ClickstreamTail;
  /** Drains the batch in progress, commits, disconnects everything; idempotent. */
  close(): Promise<void>;
}

export interface ComposeOptions {
  /** Called when the consumer died for good (the worker exits non-zero). */
  onFatal?: (err: Error) => void;
}

/**
 * Builds and starts one learner process: Kafka and Redis clients, the local HNSW index
 * caught up from the item-embeddings topic, the co-visitation rules from item-neighbours,
 * the session-neighbour index from the clickstream's recent past, the metrics endpoint, then the consumer.
 * Everything started is registered with the closer, so a failure half-way cleans up.
 */
export async function startLearner(config: Config, log: Logger, options: ComposeOptions = {}): Promise<LearnerRuntime> {
  const closer = createCloser(log);
  try {
    const registry = createMetricsRegistry('learner');
    const metrics = createPipelineMetrics(registry);
    const kafka = createKafka(config, log);
    await ensureTopics(kafka, config, undefined, log);
    const redis = await createRedis(config, log);
    closer.add('redis', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
    const keys = createRedisKeys(config.redis.keyPrefix);
    const store = createRedisUserStore(redis, keys);
    const producer = await connectProducer(kafka, config, log);
    closer.add('producer', () => producer.disconnect());
    const subscriber = await createRedis(config, log);
    closer.add('redis subscriber', () => subscriber.disconnect());
    const embeddings = await createItemEmbeddingsPublisher(kafka, config, log, { producer });
    // Lists leave out items the catalog marks unavailable, as the API's answers do.
    const catalog = await startCatalogView({
      store: createRedisCatalogStore(redis, keys),
      bus: createRedisCatalogChangeBus(redis, subscriber, keys, log),
      removeEmbedding: (itemId) => embeddings.remove([itemId]),
      log,
    });
    closer.add('catalog view', () => catalog.close());

    const index = openServingIndex(config.model.dim, config.learner.indexSnapshotDir, config.topics.itemEmbeddings, log, config.model.efSearch);
    closer.add('index rebuild', () => index.close());
    const persisted = await openPersistedTrending(redis, keys, config.learner.groupId, config.model.trendingHalfLifeMs, log);
    closer.add('trending', () => persisted.stop());
    const trending = persisted.trending;
    catalog.hideUnavailableIn(index);
    const neighbours = createNeighbourTable();
    const params = onlineModelParamsFrom(config.model);
    const sessions = createSessionNeighbours(params.sessions);
    const blendRestored = await loadBlend(redis, keys, config.learner.groupId, params.blendChoice, log);
    const core = bindLearnerCore(config, index, trending, { isAvailable: (itemId) => catalog.isAvailable(itemId), indexHides: true, boostOf: (itemId) => catalog.boostOf(itemId), anyBoost: () => catalog.boostedCount > 0 }, { neighbours, sessions }, blendRestored);
    registerBlendMetrics(registry, () => core.blend());
    registerIndexMetrics(registry, index);
    const blendSaver = startBlendSaver(redis, keys, config.learner.groupId, () => core.blendSnapshot(), log);
    closer.add('blend choice', () => blendSaver.stop());
    if (!index.fromSnapshot) await loadModelFromRedis(createRedisModelStore(redis, keys), config, index, core, log);
    const tail = createItemEmbeddingsTail(kafka, config, index, log, {
      onChange: (change) => {
        core.onItemChange(change);
        metrics.itemEmbeddingsApplied.inc({ kind: change.kind });
        if (change.kind === 'upsert' && change.record.source === 'train') core.setModelVersion(change.record.modelVersion);
      },
    });
    closer.add('item-embeddings tail', () => tail.stop());
    const neighboursTail = createItemNeighboursTail(kafka, config, neighbours, log);
    closer.add('item-neighbours tail', () => neighboursTail.stop());
    // Caught up beside the item-embeddings replay, not after it; awaited (bounded) below.
    const neighboursCaughtUp = neighboursTail.start();
    neighboursCaughtUp.catch(() => undefined);
    // The compacted topic holds every live item, so after a snapshot whatever it does not
    // replay was deleted while this learner was away.
    if (index.fromSnapshot) index.beginReplay();
    await tail.start();
    if (index.fromSnapshot) {
      const pruned = index.endReplay();
      if (pruned > 0) log.info({ pruned }, 'items deleted while away dropped from the snapshot');
    }
    await neighboursCaughtUp;
    // Every partition, not only this learner's: a user's neighbour sessions may be anywhere.
    const weights = config.model.weights;
    const sessionsTail = await startClickstreamTail(kafka, config, log, {
      name: 'session neighbours',
      lookbackMs: config.model.sessionLookbackMs,
      onEvent: (event) => {
        if (weights[event.type] > 0) sessions.observe(event.userId, event.itemId);
      },
    });
    closer.add('session-neighbours tail', () => sessionsTail.stop());
    // Lists ranked before the lookback is replayed would lack their neighbour sessions, so the
    // consumer starts after it, as after the item-embeddings replay; bounded: past it, a warning.
    if ((await sessionsTail.whenCaughtUp(config.learner.catchUpTimeoutMs)) === 'timeout') {
      log.warn({ timeoutMs: config.learner.catchUpTimeoutMs, eventsSeen: sessionsTail.eventsSeen }, 'session-neighbour lookback not replayed within CATCH_UP_TIMEOUT_MS; starting anyway, lists gain neighbour sessions as it goes on');
    }
    closer.add('index snapshot', () => index.saveSnapshot());
    if (index.size === 0) {
      log.warn('no item vectors yet (no model trained and published): running cold, lists come from trending');
    } else {
      log.info({ items: index.size, modelVersion: core.modelVersion() }, 'model loaded from item-embeddings');
    }

    const metricsServer = await serveMetrics(registry, config.http.host, config.learner.metricsPort, log);
    closer.add('metrics server', () => metricsServer.close());

    const deadLetterTopicMaxBytes = await readMaxMessageBytes(kafka, config.topics.deadLetter, log);
    // Stored with every user's position: a topic deleted and created again under its name is told apart.
    const topicId = await fetchTopicId(config, config.topics.clickstream);
    if (topicId === undefined) throw new StreamrecError('KAFKA_UNAVAILABLE', `topic ${config.topics.clickstream} has no id in the broker's metadata`);
    const service = createLearnerService(
      kafka,
      config,
      {
        store,
        core,
        sink: createKafkaPipelineSink(producer, config, { deadLetterTopicMaxBytes }),
        metrics,
        maxEventBytes: config.learner.maxEventBytes,
        clock: Date.now,
        log,
        topic: { tag: topicTag(topicId), onChange: config.learner.onTopicChange },
      },
      log,
      { onFatal: options.onFatal },
    );
    closer.add('consumer', () => service.stop());
    await service.start();
    return {
      get state() {
        return service.state;
      },
      metricsPort: metricsServer.port,
      tail,
      neighboursTail,
      neighbours,
      sessions,
      sessionsTail,
      close: () => closer.close(),
    };
  } catch (err) {
    await closer.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Without a snapshot, the current model version in Redis seeds the index before the
 * topic replay (which then skips identical vectors): a learner still has the trained
 * model when the item-embeddings topic was recreated or compacted away.
 */
async function loadModelFromRedis(models: ModelStore, config: Config, index: AnnIndex, core: BoundLearnerCore, log: Logger): Promise<void> {
  const meta = await models.current();
  if (!meta) return;
  if (meta.dim !== config.model.dim) {
    log.warn({ version: meta.version, dim: meta.dim, expected: config.model.dim }, 'model in Redis has another dimension; not loaded');
    return;
  }
  const vectors = await models.loadVectors(meta.version);
  for (const [itemId, vector] of vectors) {
    index.upsert(itemId, vector);
    core.onItemChange({ kind: 'upsert', record: { itemId, vector, modelVersion: meta.version, updatedAtMs: meta.createdAtMs, source: 'train' } });
  }
  core.setModelVersion(meta.version);
  log.info({ version: meta.version, items: vectors.size }, 'model loaded from Redis');
}

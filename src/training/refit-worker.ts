import { createKafka } from '../adapters/kafka/client.ts';
import { decodeEvent } from '../adapters/kafka/codec.ts';
import { createGroupConsumer, type GroupBatch } from '../adapters/kafka/group-consumer.ts';
import { createItemEmbeddingsPublisher } from '../adapters/kafka/item-embeddings.ts';
import { createItemNeighboursPublisher } from '../adapters/kafka/item-neighbours.ts';
import { connectProducer } from '../adapters/kafka/producer.ts';
import { ensureTopics } from '../adapters/kafka/topics.ts';
import { createRedisCatalogStore } from '../adapters/redis/catalog-store.ts';
import { createRedis } from '../adapters/redis/client.ts';
import { createRedisKeys } from '../adapters/redis/keys.ts';
import { createRedisModelStore } from '../adapters/redis/model-store.ts';
import { createMetricsRegistry, serveMetrics } from '../adapters/metrics/registry.ts';
import { createRefitterMetrics } from '../adapters/metrics/refitter-metrics.ts';
import type { Config } from '../config.ts';
import { createItemRefitter, createRecentHistories, observeWithHistory } from '../core/item-refitter.ts';
import { factorPart, indexVectorOf } from '../core/item-space.ts';
import { onlineModelParamsFrom } from '../core/online-model-params.ts';
import type { RefitResult } from '../core/refit.ts';
import type { RefitVerdict } from '../core/refit-gate.ts';
import type { ModelMeta, ModelStore } from '../core/stores.ts';
import type { Vector } from '../core/vector.ts';
import { createCloser, withTimeout, type WorkerState } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { createCatchUp } from './catch-up.ts';
import { createNeighbourRowsPublisher } from './neighbour-rows.ts';
import { startRefitThread, type RefitThread } from './refit-thread.ts';
import { createVersionPublisher } from './version-publisher.ts';
import { refitVersionName } from '../core/model-version.ts';

export interface RefitterStats {
  /** Clickstream events observed (since this process started: the rebuild counts too). */
  events: number;
  /** Messages the codec rejects: the learner dead-letters them; here they are only counted. */
  skipped: number;
  /** Messages delivered again after a rebalance, ignored (co-occurrence counts each event once). */
  duplicates: number;
  /** Events a client sent twice (already in the user's history), skipped as the learner skips them. */
  repeated: number;
  refits: number;
  /** Refits the release check held back (core/refit-gate.ts): the served version stays. */
  heldBack: number;
}

export interface RefitterRuntime {
  readonly state: WorkerState;
  readonly caughtUp: boolean;
  readonly stats: Readonly<RefitterStats>;
  readonly published: number;
  /** Co-visitation rows published to item-neighbours (an item's row counts each time it is sent). */
  readonly neighbourRows: number;
  readonly lastVersion: string | undefined;
  /** Where GET /metrics answers (REFIT_METRICS_PORT, or the port picked for 0). */
  readonly metricsPort: number;
  /** Resolves when the co-occurrence is rebuilt from everything the clickstream held at start. */
  whenCaughtUp(): Promise<void>;
  /** Leaves the group, publishes a refit in flight (bounded by SHUTDOWN_GRACE_MS), disconnects; idempotent. */
  close(): Promise<void>;
}

export interface RefitterOptions {
  onFatal?: (err: Error) => void;
  /** Runs each refit (startRefitThread unless given: tests pass one whose result comes back broken). */
  startRefit?: typeof startRefitThread;
}

const REFIT_ALGORITHM = 'refit of clickstream co-occurrence (streamrec refit)';

/**
 * The production twin of the online model's periodic refit (see item-refitter.ts): reads
 * the clickstream in a consumer group of its own, feeds the co-occurrence exactly as the
 * online model does, and on the same schedule refits every item vector, aligned onto the
 * previous ones, saved as a new model version and published to item-embeddings. It also
 * learns the co-visitation rules per event, as the online model does, and publishes the rows
 * that changed to item-neighbours (every NEIGHBOURS_PUBLISH_INTERVAL_MS once caught up). The refit
 * itself runs in a worker thread (refit-thread.ts), so consumption, heartbeats and, inside
 * `streamrec start`, the API never stall behind it.
 *
 * State lives in memory and nothing is committed: every start reads the clickstream from
 * the beginning of its retention to rebuild the co-occurrence (refits due during that
 * rebuild are coalesced into one at its end), anchored on the model currently in Redis, so
 * the schedule resumes from the event count stored with the last refit. Run one refitter:
 * a refit needs every partition, so a member that shares its group holds its refits.
 */
export async function startRefitter(config: Config, log: Logger, options: RefitterOptions = {}): Promise<RefitterRuntime> {
  const closer = createCloser(log);
  try {
    const topic = config.topics.clickstream;
    const kafka = createKafka(config, log);
    await ensureTopics(kafka, config, [topic, config.topics.itemEmbeddings, config.topics.itemNeighbours], log);
    const redis = await createRedis(config, log);
    closer.add('redis', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
    const keys = createRedisKeys(config.redis.keyPrefix);
    const models = createRedisModelStore(redis, keys);
    const anchor = await loadAnchor(models, config, log);
    const producer = await connectProducer(kafka, config, log);
    closer.add('producer', () => producer.disconnect());
    const embeddings = await createItemEmbeddingsPublisher(kafka, config, log, { producer });
    const versions = createVersionPublisher({
      models,
      catalog: createRedisCatalogStore(redis, keys),
      embeddings,
      served: anchor.served,
      ...(anchor.version === undefined ? {} : { servedVersion: anchor.version }),
      retryMaxMs: config.learner.retryMaxMs,
      log,
    });
    closer.add('version publisher', () => versions.close(config.learner.shutdownGraceMs));

    const params = onlineModelParamsFrom(config.model);
    const refitter = createItemRefitter({ dim: config.model.dim, weights: config.model.weights, cooccurrence: params.cooccurrence, coVisitation: params.coVisitation, refit: params.refit, gate: params.refitGate, trackRuleChanges: true });
    const histories = createRecentHistories(config.model.historyCap, config.refitter.maxUsers, config.model.eventIdWindow);
    const stats: RefitterStats = { events: 0, skipped: 0, duplicates: 0, repeated: 0, refits: 0, heldBack: 0 };
    const registry = createMetricsRegistry('refitter');
    const metrics = createRefitterMetrics(registry, {
      caughtUp: () => isCaughtUp(),
      published: () => versions.published,
      nextRefitAt: () => refitter.nextRefitAt,
      eventsSeen: () => refitter.eventsSeen,
      messages: () => ({ observed: stats.events, skipped: stats.skipped, duplicate: stats.duplicates, repeated: stats.repeated }),
    });
    const metricsServer = await serveMetrics(registry, config.http.host, config.refitter.metricsPort, log, 'REFIT_METRICS_PORT');
    closer.add('metrics server', () => metricsServer.close());
    // Until the catch-up tracker exists (below), nothing is caught up.
    let isCaughtUp = () => false;
    const startedMs = Date.now();
    let lastCreatedMs = 0;
    // The version whose vectors the next refit aligns onto: its name carries on that lineage.
    let alignsOnto = anchor.version;
    let state: WorkerState = 'starting';

    // Any `current` in Redis but the one the publisher extends was put there by someone else
    // (`streamrec train`, `streamrec model rollback`): refits then align onto it and extend it.
    // One of another dimension is ignored (warned about once); the publisher saves nothing over it.
    let otherDimension: string | undefined;
    const followServedModel = async (): Promise<boolean> => {
      let meta: ModelMeta | undefined;
      let served: Map<string, Vector>;
      try {
        meta = await models.current();
        if (!meta || meta.version === versions.servedVersion || meta.version === otherDimension) return false;
        if (meta.dim !== config.model.dim) {
          otherDimension = meta.version;
          log.warn({ version: meta.version, dim: meta.dim, expected: config.model.dim }, 'the served model in Redis has another dimension: refits are not published over it');
          return false;
        }
        served = await models.loadVectors(meta.version);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'could not read the served model from Redis; the refit goes on with what this process knows');
        return false;
      }
      const factors = new Map<string, Vector>();
      for (const [itemId, vector] of served) factors.set(itemId, factorPart(vector));
      refitter.anchor(factors, refitter.eventsSeen);
      versions.rebase(served, meta.version);
      alignsOnto = meta.version;
      log.info({ version: meta.version, items: served.size }, 'the served model was replaced (a train or a rollback): refits now align onto it and extend it');
      return true;
    };

    // One refit at a time, in a worker thread; a refit that came due meanwhile starts when it ends.
    let inFlight: { thread?: RefitThread; done: Promise<void> } | undefined;
    const runRefit = (): void => {
      if (inFlight) return;
      const running: { thread?: RefitThread; done: Promise<void> } = { done: Promise.resolve() };
      inFlight = running;
      running.done = (async () => {
        // Taken at once, so the refit counts exactly the events the schedule named (as the online model's does).
        const t0 = Date.now();
        const events = refitter.eventsSeen;
        const begun = refitter.beginRefit();
        const cooccurrence = begun.cooccurrence;
        const previous = (await followServedModel()) ? refitter.trained : begun.previous;
        running.thread = (options.startRefit ?? startRefitThread)(cooccurrence, previous, config.model.dim, params.refit);
        const result = await running.thread.promise;
        metrics.refitSeconds.observe((Date.now() - t0) / 1000);
        if (await followServedModel()) {
          metrics.refits.inc({ outcome: 'dropped' });
          log.info({ events, nextRefitAt: refitter.nextRefitAt }, 'refit dropped: the served model was replaced while it ran');
          return;
        }
        const verdict = refitter.completeRefit(result);
        if (verdict.judged > 0) {
          metrics.releaseHitRate.set({ model: 'candidate' }, verdict.candidateHitRate);
          metrics.releaseHitRate.set({ model: 'served' }, verdict.servedHitRate);
        }
        if (!verdict.accepted) {
          metrics.refits.inc({ outcome: 'held_back' });
          stats.heldBack++;
          log.warn(
            { events, reason: verdict.reason, candidateHitRate: verdict.candidateHitRate, servedHitRate: verdict.servedHitRate, judged: verdict.judged, served: alignsOnto, nextRefitAt: refitter.nextRefitAt },
            'refit held back by the release check: it ranks the recent transitions much worse than the served version, which stays',
          );
          return;
        }
        stats.refits++;
        publishRefit(result, events, Math.round((Date.now() - t0) / 100) / 10, verdict);
      })()
        .catch((err: unknown) => {
          if (state !== 'running') return;
          metrics.refits.inc({ outcome: 'failed' });
          log.error({ err: (err as Error).message, nextRefitAt: refitter.nextRefitAt }, 'refit failed; the next one runs on schedule');
        })
        .finally(() => {
          inFlight = undefined;
          if (refitter.due && canRefit()) runRefit();
        });
    };

    const publishRefit = (result: RefitResult, events: number, seconds: number, verdict: RefitVerdict): void => {
      if (result.vectors.size === 0) {
        metrics.refits.inc({ outcome: 'empty' });
        log.info({ events, vocab: result.vocabSize, nextRefitAt: refitter.nextRefitAt }, 'refit skipped: too few items with enough interactions');
        return;
      }
      lastCreatedMs = Math.max(Date.now(), lastCreatedMs + 1);
      metrics.refits.inc({ outcome: 'served' });
      metrics.lastServedSeconds.set(lastCreatedMs / 1000);
      const version = refitVersionName(lastCreatedMs, result.aligned ? alignsOnto : undefined);
      alignsOnto = version;
      const vectors = new Map<string, Vector>();
      for (const [itemId, factor] of result.vectors) vectors.set(itemId, indexVectorOf(factor));
      log.info({ events, items: vectors.size, factorised: result.vocabSize, seconds, candidateHitRate: verdict.candidateHitRate, servedHitRate: verdict.servedHitRate, nextRefitAt: refitter.nextRefitAt }, 'refit done');
      versions.submit({
        meta: {
          version,
          dim: config.model.dim,
          createdAtMs: lastCreatedMs,
          trainedOn: {
            algorithm: REFIT_ALGORITHM,
            source: topic,
            refitterEvents: events,
            factorisedItems: result.vocabSize,
            foldedInItems: result.foldedIn,
            trainSeconds: seconds,
            // The release check's sampled hit rates (refit-gate.ts), where it judged one.
            ...(verdict.judged > 0 ? { releaseCheckHitRate: round4(verdict.candidateHitRate), releaseCheckServedHitRate: round4(verdict.servedHitRate), releaseCheckTransitions: verdict.judged } : {}),
          },
        },
        vectors,
      });
    };
    closer.add('refit in flight', async () => {
      const running = inFlight;
      if (!running) return;
      await withTimeout(running.done, config.learner.shutdownGraceMs, () => new Error('timeout')).catch(async () => {
        log.warn({ graceMs: config.learner.shutdownGraceMs }, 'refit still running at shutdown; abandoned (the next start refits again)');
        await running.thread?.terminate();
      });
    });

    const sinceMs = config.refitter.lookbackMs > 0 ? Date.now() - config.refitter.lookbackMs : undefined;
    const tracker = await createCatchUp(kafka, config, topic, log, sinceMs);
    isCaughtUp = () => tracker.caughtUp;
    let ownsAll = false;
    // Rows are held during the rebuild (they would replace complete published rows with partial
    // ones) and while another member shares the group (it would publish rules of half the stream).
    const neighbourRows = createNeighbourRowsPublisher(
      refitter,
      await createItemNeighboursPublisher(kafka, config, log, { producer }),
      config.refitter.neighboursPublishIntervalMs,
      () => tracker.caughtUp && ownsAll,
      log,
    );
    closer.add('co-visitation rows', () => neighbourRows.close(config.learner.shutdownGraceMs));
    const canRefit = () => tracker.caughtUp && ownsAll && state === 'running';
    const onCaughtUp = () => {
      // Resumes the schedule of the served model (clamped to what retention still holds).
      refitter.anchor(anchor.factors, Math.min(anchor.eventsAtRefit, refitter.eventsSeen));
      log.info(
        { events: stats.events, skipped: stats.skipped, users: histories.users, items: refitter.cooccurrence.itemCount, pairs: refitter.cooccurrence.totalPairs(), seconds: (Date.now() - startedMs) / 1000, nextRefitAt: refitter.nextRefitAt },
        'co-occurrence rebuilt from the clickstream',
      );
      if (refitter.due && canRefit()) runRefit();
      neighbourRows.start();
      if (ownsAll) void neighbourRows.flush();
    };
    tracker.onCaughtUp(onCaughtUp);

    // Where this process is in each partition; with a lookback it starts past the older records
    // (the join handler below seeks there, and the offset check skips anything fetched before).
    const nextOffset = new Map<number, number>(sinceMs === undefined ? [] : tracker.startOffsets);
    const eachBatch = async (batch: GroupBatch): Promise<void> => {
      const { isRunning, isStale } = batch;
      let next = nextOffset.get(batch.partition) ?? -1;
      for (const m of batch.messages) {
        if (!isRunning() || isStale()) return;
        const offset = Number(m.offset);
        if (offset < next) {
          stats.duplicates++;
          continue;
        }
        next = offset + 1;
        nextOffset.set(batch.partition, next);
        const decoded = decodeEvent(m.key, m.value, { maxBytes: config.learner.maxEventBytes });
        if (!decoded.ok) {
          stats.skipped++;
          continue;
        }
        if (!observeWithHistory(refitter, histories, decoded.event)) {
          stats.repeated++;
          continue;
        }
        stats.events++;
        if (refitter.due && canRefit()) runRefit();
      }
      if (batch.messages.length > 0) tracker.reached(batch.partition, Number(batch.lastOffset()) + 1);
      if (Number(batch.highWatermark) <= Number(batch.lastOffset()) + 1) tracker.reached(batch.partition, Number(batch.highWatermark));
      await batch.heartbeat().catch(() => undefined);
    };
    const consumer = createGroupConsumer(kafka, config, log, {
      name: 'refitter',
      groupId: config.refitter.groupId,
      topic,
      fromBeginning: true,
      maxWaitTimeInMs: 200,
      maxBytesPerPartition: config.learner.maxBatchBytes,
      // Refits run off the event loop, so heartbeats keep going. Should the member still drop
      // out, onJoin seeks back to where this process was; offsets guard the rest.
      sessionTimeoutMs: config.learner.sessionTimeoutMs,
      commitsByHand: false,
      eachBatch,
      onJoin: (assigned) => {
        ownsAll = assigned.length >= tracker.partitions;
        if (!ownsAll) log.warn({ groupId: config.refitter.groupId, assigned }, 'another member shares the refitter group: refits held until this one owns every partition');
        // Nothing is committed, so re-assigned partitions would restart from the beginning.
        for (const partition of assigned) {
          const offset = nextOffset.get(partition);
          if (offset === undefined) continue;
          try {
            consumer.seek(partition, String(offset));
          } catch (err) {
            log.warn({ err: (err as Error).message, partition }, 'seek after rejoin failed; redelivered events are skipped by offset');
          }
        }
        if (ownsAll && refitter.due && canRefit()) runRefit();
      },
      onFatal: (err) => {
        if (state !== 'draining' && state !== 'stopped') options.onFatal?.(err);
      },
    });

    let lastLogged = -1;
    const progress = setInterval(() => {
      if (stats.events + stats.skipped === lastLogged) return;
      lastLogged = stats.events + stats.skipped;
      log.info(
        { ...stats, neighbourRows: neighbourRows.published, neighbourRowsPending: neighbourRows.pending, caughtUp: tracker.caughtUp, users: histories.users, items: refitter.cooccurrence.itemCount, pairs: refitter.cooccurrence.totalPairs(), nextRefitAt: refitter.nextRefitAt, published: versions.published },
        'refitter progress',
      );
    }, config.refitter.progressIntervalMs);
    progress.unref();
    closer.add('progress log', () => clearInterval(progress));

    closer.add('consumer', async () => {
      state = 'draining';
      try {
        await consumer.stop(config.learner.shutdownGraceMs);
      } finally {
        state = 'stopped';
      }
    });
    state = 'running';
    await consumer.start();
    log.info(
      { topic, groupId: config.refitter.groupId, anchor: anchor.version ?? 'none', behind: tracker.pendingPartitions, lookbackMs: config.refitter.lookbackMs || 'whole retention' },
      'refitter consuming the clickstream',
    );
    return {
      get state() {
        return state;
      },
      get caughtUp() {
        return tracker.caughtUp;
      },
      stats,
      get published() {
        return versions.published;
      },
      get neighbourRows() {
        return neighbourRows.published;
      },
      get lastVersion() {
        return versions.lastVersion;
      },
      metricsPort: metricsServer.port,
      whenCaughtUp: () => tracker.promise,
      close: () => closer.close(),
    };
  } catch (err) {
    await closer.close().catch(() => undefined);
    throw err;
  }
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

interface Anchor {
  version: string | undefined;
  /** Index vectors of the served model (a new version extends them). */
  served: Map<string, Vector>;
  /** Their factors: what the first refit aligns onto. */
  factors: Map<string, Vector>;
  /** Events the served model's refit had seen (0 for a model from `streamrec train`). */
  eventsAtRefit: number;
}

async function loadAnchor(models: ModelStore, config: Config, log: Logger): Promise<Anchor> {
  const none: Anchor = { version: undefined, served: new Map(), factors: new Map(), eventsAtRefit: 0 };
  const meta = await models.current();
  if (!meta) return none;
  if (meta.dim !== config.model.dim) {
    log.warn({ version: meta.version, dim: meta.dim, expected: config.model.dim }, 'model in Redis has another dimension; refits start unaligned');
    return none;
  }
  const served = await models.loadVectors(meta.version);
  const factors = new Map<string, Vector>();
  for (const [itemId, vector] of served) factors.set(itemId, factorPart(vector));
  const events = meta.trainedOn.refitterEvents;
  log.info({ version: meta.version, items: served.size, refitterEvents: events }, 'refits align onto the model in Redis');
  return { version: meta.version, served, factors, eventsAtRefit: typeof events === 'number' ? events : 0 };
}

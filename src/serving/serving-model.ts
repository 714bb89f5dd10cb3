import type { KafkaClient } from '../adapters/kafka/client.ts';
import { createItemEmbeddingsTail } from '../adapters/kafka/item-embeddings-tail.ts';
import { createItemNeighboursTail } from '../adapters/kafka/item-neighbours-tail.ts';
import { readPartitionOffsets } from '../adapters/kafka/offsets.ts';
import { fetchTopicId } from '../adapters/kafka/topic-id.ts';
import type { SnapshotState } from '../adapters/fs/hnsw-snapshot.ts';
import type { Config } from '../config.ts';
import type { AnnIndex } from '../core/ann-index.ts';
import type { BlendSnapshot } from '../core/blend-choice.ts';
import { createNeighbourTable, type NeighbourTable } from '../core/neighbour-table.ts';
import { onlineModelParamsFrom } from '../core/online-model-params.ts';
import type { CatalogView } from '../core/ports.ts';
import { similarDepthFor } from '../core/recommender.ts';
import type { ColdChoice } from '../core/cold-choice.ts';
import type { SessionNeighbourSource } from '../core/session-neighbours.ts';
import type { ModelStore } from '../core/stores.ts';
import type { Trending } from '../core/trending.ts';
import type { Closer } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { bindRecommender, type BoundRecommender } from './bound-recommender.ts';
import { openServingIndex, type ServingIndex } from './serving-index.ts';

/** The model's state as a serving process holds it: item vectors, co-visitation rules, the version. */
export interface ServingModel {
  readonly index: ServingIndex;
  readonly neighbours: NeighbourTable;
  /** The train version whose vectors the index holds ('none' before any). */
  modelVersion(): string;
}

export interface LoadServingModelOptions {
  /** Keep following the topics after the catch-up (the API); false stops each tail once it caught up (a one-shot reader). */
  follow?: boolean;
}

/**
 * Loads what the API and `streamrec inspect` answer from: the HNSW index from its snapshot
 * (else seeded from the model version in Redis), then caught up with the compacted
 * item-embeddings topic (every item the model ever published; bounded by
 * CATCH_UP_TIMEOUT_MS) and kept current after; the co-visitation rules from item-neighbours
 * likewise. A one-shot reader skips the replay when the snapshot is current with the topic.
 * Its cleanup steps go on `closer`, so a failure half-way releases what started.
 */
export async function loadServingModel(
  kafka: KafkaClient,
  models: ModelStore,
  config: Config,
  log: Logger,
  closer: Closer,
  options: LoadServingModelOptions = {},
): Promise<ServingModel> {
  const follow = options.follow ?? true;
  const topic = config.topics.itemEmbeddings;
  const index = openServingIndex(config.model.dim, config.http.indexSnapshotDir, topic, log, config.model.efSearch);
  closer.add('index rebuild', () => index.close());
  let modelVersion = 'none';
  const tail = createItemEmbeddingsTail(kafka, config, index, log, {
    onChange: (change) => {
      if (change.kind === 'upsert' && change.record.source === 'train') modelVersion = change.record.modelVersion;
    },
    // A one-shot reader's tails stop themselves once caught up (no group at all when the topic is empty).
    follow,
  });
  closer.add('item-embeddings tail', () => tail.stop());
  const neighbours = createNeighbourTable();
  const neighboursTail = createItemNeighboursTail(kafka, config, neighbours, log, { follow });
  closer.add('item-neighbours tail', () => neighboursTail.stop());
  // Caught up beside the item-embeddings replay; awaited (bounded, never fatal on time) below.
  const neighboursCaughtUp = neighboursTail.start();
  neighboursCaughtUp.catch(() => undefined);
  const startedMs = Date.now();
  const topicId = await fetchTopicId(config, topic).catch((err: unknown) => {
    log.debug({ topic, err: (err as Error).message }, 'topic id unknown; the index snapshot is saved without its topic state');
    return undefined;
  });
  const saved = index.snapshotState;
  let seeded = false;
  let pruned = 0;
  if (!follow && saved !== undefined && saved.topicId === topicId && (await isCurrent(kafka, config, topic, saved.positions))) {
    modelVersion = saved.modelVersion;
  } else {
    if (!index.fromSnapshot) {
      const version = await seedFromModelStore(models, config, index, log);
      seeded = version !== undefined;
      modelVersion = version ?? modelVersion;
    }
    // The compacted topic holds every live item, so after a snapshot whatever it does not
    // replay was deleted while this process was away. (A ModelStore seed is not pruned: it
    // is what keeps the model when the topic was recreated.)
    if (index.fromSnapshot) index.beginReplay();
    await tail.start();
    if (index.fromSnapshot) pruned = index.endReplay();
  }
  await neighboursCaughtUp;
  if (modelVersion === 'none') modelVersion = (await models.current())?.version ?? modelVersion;
  log.info({ items: index.size, pruned, fromSnapshot: index.fromSnapshot, replayed: tail.caughtUp, modelVersion, tookMs: Date.now() - startedMs }, 'index caught up with item-embeddings');
  // The state says the graph came from the topic alone: not after a seed, which may hold
  // items the topic lacks (a replay from the snapshot would prune them).
  const stateNow = (): SnapshotState | undefined =>
    topicId !== undefined && tail.caughtUp && !seeded ? { topicId, positions: [...tail.positions()], modelVersion } : undefined;
  saveSnapshot(index, stateNow(), log);
  closer.add('index snapshot', () => saveSnapshot(index, stateNow(), log));
  return {
    index,
    neighbours,
    modelVersion: () => modelVersion,
  };
}

/** What a serving process learns from the clickstream itself, beside the model's topics. */
export interface LiveSources {
  trending: () => Trending;
  /** The session-neighbour index; a process that does not tail the clickstream has none (the source proposes nothing). */
  sessions?: SessionNeighbourSource;
  /** The cold users' popularity horizons, in a process that tails the clickstream (cold-choice.ts). */
  cold?: ColdChoice;
}

/** The model's recommender over a loaded ServingModel, with the serving settings of `config`. */
export function bindServingRecommender(config: Config, model: ServingModel, catalog: CatalogView, live: LiveSources, log: Logger, blendRestored?: BlendSnapshot): BoundRecommender {
  const params = onlineModelParamsFrom(config.model);
  return bindRecommender(
    model.index,
    catalog,
    live.trending,
    params,
    log,
    { modelVersion: model.modelVersion, maxAgeMs: config.http.poolMaxAgeMs },
    similarDepthFor(config.model.maxK),
    { neighbours: model.neighbours, ...(live.sessions ? { sessions: live.sessions } : {}) },
    // The clickstream tail that feeds the sessions also shows what users did after their lists.
    // It starts from the choice the learners saved (blendRestored) and goes on learning its own.
    live.sessions ? { weights: config.model.weights, ...(blendRestored ? { restored: blendRestored } : {}), ...(live.cold ? { cold: live.cold } : {}) } : undefined,
  );
}

/** Whether the topic's high watermarks are still `positions`: then nothing was written to it since. */
async function isCurrent(kafka: KafkaClient, config: Config, topic: string, positions: ReadonlyArray<[number, number]>): Promise<boolean> {
  const at = new Map(positions);
  try {
    const offsets = await readPartitionOffsets(kafka, config, topic);
    return offsets.length === at.size && offsets.every((o) => at.get(o.partition) === o.high);
  } catch {
    return false; // the replay then says what is wrong
  }
}

/** A failed snapshot costs the next start time, never this process: log and go on. */
function saveSnapshot(index: ServingIndex, state: SnapshotState | undefined, log: Logger): void {
  try {
    index.saveSnapshot(state);
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

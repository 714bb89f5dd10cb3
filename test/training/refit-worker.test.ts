import { describe, expect, it } from 'vitest';
import { createItemEmbeddingsTail } from '../../src/adapters/kafka/item-embeddings-tail.ts';
import { connectProducer } from '../../src/adapters/kafka/producer.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisModelStore } from '../../src/adapters/redis/model-store.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { factorPart } from '../../src/core/item-space.ts';
import { modelLineage } from '../../src/core/model-version.ts';
import { modelTag } from '../../src/core/recommender.ts';
import { startRefitter } from '../../src/training/refit-worker.ts';
import { startRefitThread } from '../../src/training/refit-thread.ts';
import { integrationSetup, type IntegrationContext } from '../helpers/integration.ts';
import { learnerEnv, spawnTsx, waitUntil, produceEvents } from '../pipeline/support.ts';
import { clusterOf, plantedEvents } from '../core/planted.ts';
import type { ItemEmbeddingRecord } from '../../src/core/ports.ts';

async function setup(): Promise<IntegrationContext> {
  return integrationSetup({
    CLICKSTREAM_PARTITIONS: '2',
    EMBEDDING_DIM: '16',
    LEARNER_INDEX_SNAPSHOT_DIR: 'off',
  });
}

const produce = (ctx: IntegrationContext, events: readonly ClickEvent[]) => produceEvents(ctx, events);

/** Planted events moved to the last day: the codec rejects events from the far future only, and the lookback test needs recent ones. */
const plantedRecently = (options: Parameters<typeof plantedEvents>[0]) => plantedEvents(options).map((e) => ({ ...e, ts: e.ts - 1_700_000_000_000 + Date.now() - 86_400_000 }));

/** The item-embeddings topic as every learner and API process sees it: tailed into an index. */
async function tailTopic(ctx: IntegrationContext) {
  const index = createExactIndex(ctx.config.model.dim);
  const records = new Map<string, ItemEmbeddingRecord>();
  const tail = createItemEmbeddingsTail(ctx.kafka, ctx.config, index, ctx.log, {
    onChange: (c) => {
      if (c.kind === 'upsert') records.set(c.record.itemId, c.record);
    },
  });
  await tail.start();
  await tail.stop();
  return { index, records };
}

/** Share of each item's 5 nearest neighbours that come from its planted cluster. */
function clusterPurity(index: ReturnType<typeof createExactIndex>): number {
  let same = 0;
  let total = 0;
  for (const id of index.ids()) {
    for (const n of index.search(index.vectorOf(id)!, 5, (o) => o !== id)) {
      total++;
      if (clusterOf(n.itemId) === clusterOf(id)) same++;
    }
  }
  return same / total;
}

/** Cosine of the factor parts (the reserved last coordinate of index vectors left out). */
/**
 * A refitter over 2,200 planted recent events (100 users, 4 taste clusters) of which the first
 * 1,100 are produced, caught up and with its first refit (v1) published: where the tests of what
 * happens to the next refit start. The caller closes the refitter.
 */
async function firstRefitPublished(seed: number, options?: Parameters<typeof startRefitter>[2]) {
  const ctx = await setup();
  const models = createRedisModelStore(ctx.redis, createRedisKeys(ctx.config.redis.keyPrefix));
  const events = plantedRecently({ users: 100, clusters: 4, perCluster: 20, perUser: 22, noise: 0.03, seed });
  await produce(ctx, events.slice(0, 1100));
  const refitter = await startRefitter(ctx.config, ctx.log, options);
  try {
    await refitter.whenCaughtUp();
    await waitUntil('the first refit to be published', async () => refitter.published === 1, 15_000, 100);
    return { ctx, models, events, refitter, v1: (await models.current())! };
  } catch (err) {
    await refitter.close();
    throw err;
  }
}

function factorCosine(a: Float32Array, b: Float32Array): number {
  const x = factorPart(a);
  const y = factorPart(b);
  const dot = (p: Float32Array, q: Float32Array) => p.reduce((s, v, i) => s + v * q[i]!, 0);
  return dot(x, y) / Math.sqrt(dot(x, x) * dot(y, y));
}

describe('refit worker (real Kafka and Redis)', () => {
  it('refits on the schedule, saves a model version and publishes it; a restart rebuilds the co-occurrence from the topic', async () => {
    const ctx = await setup();
    const models = createRedisModelStore(ctx.redis, createRedisKeys(ctx.config.redis.keyPrefix));
    const events = plantedRecently({ users: 100, clusters: 4, perCluster: 20, perUser: 22, noise: 0.03, seed: 5 });
    expect(events.length).toBe(2200);
    await produce(ctx, events.slice(0, 1100));
    // Bad messages are the learner's to dead-letter; here they are skipped and counted.
    const raw = await connectProducer(ctx.kafka, ctx.config, ctx.log);
    await raw.send({ topic: ctx.config.topics.clickstream, messages: [{ key: 'u1', value: 'not json' }, { key: null, value: '{}' }] });
    await raw.disconnect();

    // 1100 events ≥ firstAfterEvents (1000): the refit due during the rebuild runs at its end.
    const first = await startRefitter(ctx.config, ctx.log);
    try {
      await first.whenCaughtUp();
      expect(first.stats.events).toBe(1100);
      expect(first.stats.skipped).toBe(2);
      await waitUntil('the first refit to be published', async () => first.published === 1, 15_000, 100);
    } finally {
      await first.close();
    }
    const v1 = (await models.current())!;
    expect(v1.version).toBe(first.lastVersion);
    expect(v1.trainedOn.refitterEvents).toBe(1100);
    expect(v1.itemCount).toBe(80);
    const afterFirst = await tailTopic(ctx);
    expect(afterFirst.index.size).toBe(80);
    expect([...afterFirst.records.values()].every((r) => r.source === 'train' && r.modelVersion === v1.version)).toBe(true);
    expect(clusterPurity(afterFirst.index)).toBeGreaterThan(0.9);

    // Restart: nothing committed, everything rebuilt; the schedule resumes at 1100·2 = 2200 events.
    await produce(ctx, events.slice(1100, 2000));
    const second = await startRefitter(ctx.config, ctx.log);
    try {
      await second.whenCaughtUp();
      expect(second.stats.events).toBe(2000);
      expect(second.published).toBe(0);
      await produce(ctx, events.slice(2000));
      await waitUntil('the scheduled refit at 2200 events', async () => second.published === 1, 15_000, 100);
    } finally {
      await second.close();
    }
    const v2 = (await models.current())!;
    // Counting 2200 means the co-occurrence was rebuilt from the topic, not from the last 200 events.
    expect(v2.trainedOn.refitterEvents).toBe(2200);
    expect(v2.version).not.toBe(v1.version);
    // v1 had nothing to align onto and starts an item space; v2, aligned onto it, carries it on,
    // so rankings stored under v1 stay usable under v2 (the same pool tag).
    expect(modelLineage(v1.version)).toBe(v1.version);
    expect(v2.version.startsWith(`${v1.version}~v`)).toBe(true);
    expect(modelTag(v2.version)).toBe(modelTag(v1.version));
    const afterSecond = await tailTopic(ctx);
    expect(new Set([...afterSecond.records.values()].map((r) => r.modelVersion))).toEqual(new Set([v2.version]));
    expect(clusterPurity(afterSecond.index)).toBeGreaterThan(0.9);
    // Aligned onto the previous version: the same item keeps nearly the same vector.
    const v1Vectors = await models.loadVectors(v1.version);
    let cosine = 0;
    for (const [id, v] of v1Vectors) cosine += factorCosine(afterSecond.index.vectorOf(id)!, v);
    expect(cosine / v1Vectors.size).toBeGreaterThan(0.9);
  }, 40_000);

  it('holds back a refit that comes back broken: the served version stays in Redis and on the topic', async () => {
    // The first refit is the real one; the second comes back collapsed (every item the same
    // direction), what a degenerate factorisation looks like.
    let refits = 0;
    const startRefit: typeof startRefitThread = (cooccurrence, previous, dim, params) => {
      const real = startRefitThread(cooccurrence, previous, dim, params);
      if (++refits === 1) return real;
      return { ...real, promise: real.promise.then((r) => ({ ...r, vectors: new Map([...r.vectors.keys()].map((id) => [id, Float32Array.from({ length: dim }, (_, c) => (c === 0 ? 0.5 : 0))])) })) };
    };
    const { ctx, models, events, refitter, v1 } = await firstRefitPublished(6, { startRefit });
    try {
      await produce(ctx, events.slice(1100));
      await waitUntil('the second refit to be judged', async () => refitter.stats.heldBack === 1, 15_000, 100);
      expect(refitter.stats.refits).toBe(1);
      expect(refitter.published).toBe(1);
      expect((await models.current())!.version).toBe(v1.version);
      expect(v1.trainedOn.releaseCheckTransitions).toBeUndefined();
      const topic = await tailTopic(ctx);
      expect(new Set([...topic.records.values()].map((r) => r.modelVersion))).toEqual(new Set([v1.version]));
      expect(clusterPurity(topic.index)).toBeGreaterThan(0.9);
      // What a dashboard sees: both outcomes, the rates the check judged by, every event read.
      const metrics = await (await fetch(`http://${ctx.config.http.host}:${refitter.metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/^streamrec_refits_total\{outcome="served",role="refitter"\} 1$/m);
      expect(metrics).toMatch(/^streamrec_refits_total\{outcome="held_back",role="refitter"\} 1$/m);
      expect(metrics).toMatch(/^streamrec_refitter_events_total\{kind="observed",role="refitter"\} 2200$/m);
      expect(metrics).toMatch(/^streamrec_refitter_caught_up\{role="refitter"\} 1$/m);
      const rate = (model: string) => Number(new RegExp(`^streamrec_refit_release_hit_rate\\{model="${model}",role="refitter"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
      expect(rate('candidate')).toBe(0);
      expect(rate('served')).toBeGreaterThan(0.3);
    } finally {
      await refitter.close();
    }
  }, 40_000);

  it('follows a model another writer put in Redis (streamrec train): the next refit aligns onto it, extends it and carries its lineage', async () => {
    const { ctx, models, events, refitter, v1 } = await firstRefitPublished(7);
    try {
      // A train while the refitter runs: a new lineage, with one item the stream never had.
      const trained = await models.loadVectors(v1.version);
      const extra = Float32Array.from(trained.values().next().value!);
      trained.set('offline-only', extra);
      await models.save({ version: 'vtrain1', dim: v1.dim, itemCount: trained.size, createdAtMs: Date.now(), trainedOn: { algorithm: 'test train' } }, trained);
      await produce(ctx, events.slice(1100));
      await waitUntil('the refit at 2200 events', async () => refitter.published === 2, 15_000, 100);
    } finally {
      await refitter.close();
    }
    const v2 = (await models.current())!;
    expect(v2.version.startsWith('vtrain1~v')).toBe(true);
    expect(v2.trainedOn.releaseCheckTransitions).toBeGreaterThan(200);
    const v2Vectors = await models.loadVectors(v2.version);
    expect(v2Vectors.has('offline-only')).toBe(true);
    expect(v2Vectors.size).toBe(81);
  }, 40_000);

  it('a second refitter in the group holds refits; after it leaves, the first catches up without counting an event twice', async () => {
    const ctx = await setup();
    const events = plantedRecently({ users: 60, clusters: 3, perCluster: 15, perUser: 20, noise: 0.03, seed: 8 });
    await produce(ctx, events.slice(0, 500));
    const a = await startRefitter(ctx.config, ctx.log);
    const b = await startRefitter(ctx.config, ctx.log).catch(async (err: unknown) => {
      await a.close();
      throw err;
    });
    try {
      await a.whenCaughtUp();
      // Due (1100 ≥ 1000) while the partitions are split: neither may refit on half the stream.
      await produce(ctx, events.slice(500, 1100));
      // Both members read their partitions (b from the beginning): settled once the counts stop moving.
      let last = -1;
      let stableSince = Date.now();
      await waitUntil(
        'both members to consume their share',
        async () => {
          const now = a.stats.events + b.stats.events;
          if (now !== last) [last, stableSince] = [now, Date.now()];
          return now >= 1100 && Date.now() - stableSince > 1000;
        },
        15_000,
        100,
      );
      expect(b.stats.events).toBeGreaterThan(0);
      expect(a.published + b.published).toBe(0);
      await b.close();
      await waitUntil('the remaining member to refit on everything', async () => a.published === 1, 20_000, 100);
      expect(a.stats.events).toBe(1100);
      // The regained partition is read from where this member left it, and the refit runs at
      // exactly the scheduled count (firstAfterEvents), as in the online model.
      const meta = await createRedisModelStore(ctx.redis, createRedisKeys(ctx.config.redis.keyPrefix)).current();
      expect(meta?.trainedOn.refitterEvents).toBe(1000);
    } finally {
      await b.close();
      await a.close();
    }
  }, 60_000);

  it('with REFIT_LOOKBACK_MS reads only the records produced within it, and counts the rebuild as caught up', async () => {
    const ctx = await setup();
    const events = plantedRecently({ users: 40, clusters: 2, perCluster: 10, perUser: 10, noise: 0.03, seed: 11 });
    await produce(ctx, events.slice(0, 300));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const boundaryMs = Date.now() - 750;
    await produce(ctx, events.slice(300));
    const lookbackMs = Date.now() - boundaryMs;
    const recent = await startRefitter({ ...ctx.config, refitter: { ...ctx.config.refitter, lookbackMs } }, ctx.log);
    try {
      await recent.whenCaughtUp();
      expect(recent.stats.events).toBe(events.length - 300);
      expect(recent.stats.duplicates).toBe(0);
    } finally {
      await recent.close();
    }
    // Nothing within the lookback: every partition starts at its end and the rebuild is done at once.
    const none = await startRefitter({ ...ctx.config, refitter: { ...ctx.config.refitter, lookbackMs: 1 } }, ctx.log);
    try {
      await none.whenCaughtUp();
      expect(none.stats.events).toBe(0);
    } finally {
      await none.close();
    }
  }, 40_000);

  it('`streamrec refit` stops cleanly on SIGTERM', async () => {
    const ctx = await setup();
    const child = spawnTsx(['src/cli/main.ts', 'refit'], learnerEnv(ctx.config));
    try {
      await child.waitFor(/co-occurrence rebuilt from the clickstream/, 20_000);
      child.child.kill('SIGTERM');
      expect(await child.exited).toBe(0);
      expect(child.output.some((l) => l.includes('refitter stopped'))).toBe(true);
    } finally {
      child.child.kill('SIGKILL');
    }
  }, 30_000);
});

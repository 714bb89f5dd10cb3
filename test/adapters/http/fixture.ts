import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../../src/adapters/http/app.ts';
import { createMemoryCatalogChangeBus, createMemoryCatalogStore } from '../../../src/adapters/memory/catalog-store.ts';
import { createMemoryUserStore } from '../../../src/adapters/memory/user-store.ts';
import { loadConfig } from '../../../src/config.ts';
import type { ClickEvent } from '../../../src/core/events.ts';
import { createExactIndex } from '../../../src/core/exact-index.ts';
import { onlineModelParamsFrom } from '../../../src/core/online-model-params.ts';
import { similarDepthFor } from '../../../src/core/recommender.ts';
import type { UserStateStore } from '../../../src/core/stores.ts';
import { createTrending } from '../../../src/core/trending.ts';
import { createUserState } from '../../../src/core/user-state.ts';
import { bindRecommender } from '../../../src/serving/bound-recommender.ts';
import { startCatalogView, type RunningCatalogView } from '../../../src/serving/catalog-view.ts';
import { itemHash } from '../../../src/core/item-hash.ts';
import type { HealthReport } from '../../../src/core/ports.ts';

export const API_KEY = 'test-key-0123456789';
export const DIM = 4;
export const NOW_MS = 1_760_000_000_000;

/**
 * An app over in-memory twins: 40 items on 4 planted axes (item i points mostly along
 * axis i % 4, category "c{i%4}"), trending i0 > i1 > ..., user "alice" along axis 0.
 */
export interface Fixture {
  app: FastifyInstance;
  users: UserStateStore;
  catalog: RunningCatalogView;
  sent: ClickEvent[];
  health: { report: HealthReport };
  kafkaFails: { value: boolean };
  /** Catalog store reads and writes throw, as ioredis does when Redis is gone. */
  catalogStoreFails: { value: boolean };
  removedEmbeddings: string[];
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  /** The user store behind the app (default: the in-memory twin). */
  users?: UserStateStore;
}

export async function createFixture(env: Record<string, string> = {}, options: FixtureOptions = {}): Promise<Fixture> {
  const config = loadConfig({ API_KEY, LOG_LEVEL: 'silent', EMBEDDING_DIM: String(DIM), MAX_K: '50', ...env });
  // Log records are kept in `logs` (parsed); LOG_LEVEL in env turns them on.
  const logs: Array<Record<string, unknown>> = [];
  const log = pino(
    { name: 'test', level: config.logLevel },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  );
  const index = createExactIndex(DIM);
  const trending = createTrending(86_400_000);
  for (let i = 0; i < 40; i++) {
    const v = new Float32Array(DIM).fill(0.05);
    v[i % DIM] = 1 + i / 100;
    index.upsert(`i${i}`, v);
    trending.add(`i${i}`, NOW_MS - 1000, 40 - i);
  }
  const users = options.users ?? createMemoryUserStore();
  const alice = createUserState('alice', DIM);
  alice.vector.set([1, 0, 0, 0]);
  alice.eventCount = 3;
  alice.lastEventTs = NOW_MS - 5000;
  alice.updatedAtMs = NOW_MS - 4000;
  alice.history = [
    { itemId: 'i0', type: 'view', ts: NOW_MS - 7000 },
    { itemId: 'i4', type: 'purchase', ts: NOW_MS - 5000 },
  ];
  alice.seen = ['i0', 'i4'].map(itemHash);
  await users.commit([alice]);

  const removedEmbeddings: string[] = [];
  const catalogStoreFails = { value: false };
  const memoryStore = createMemoryCatalogStore();
  const failing = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    if (catalogStoreFails.value) throw new Error('Connection is closed.');
    return fn(...args);
  };
  const catalog = await startCatalogView({
    store: {
      get: failing(memoryStore.get),
      getMany: failing(memoryStore.getMany),
      put: failing(memoryStore.put),
      all: failing(memoryStore.all),
    },
    bus: createMemoryCatalogChangeBus(),
    removeEmbedding: async (id) => {
      removedEmbeddings.push(id);
      index.remove(id);
    },
    // The app's clock: boosts lapse by the same time the routes stamp writes with.
    now: () => NOW_MS,
    log,
  });
  await catalog.put({ itemId: 'i1', title: 'One', category: 'c1', available: true, updatedAtMs: NOW_MS - 1 });
  const sent: ClickEvent[] = [];
  const kafkaFails = { value: false };
  const health = { report: { state: 'running', checks: { index: true, feed: true, redis: true, kafka: true } } as HealthReport };
  const app = await buildApp({
    config,
    log,
    users,
    index,
    catalog,
    recommender: bindRecommender(index, catalog, () => trending, onlineModelParamsFrom(config.model), log, {
      modelVersion: () => 'v-test',
      maxAgeMs: config.http.poolMaxAgeMs,
      now: () => NOW_MS,
    }, similarDepthFor(config.model.maxK)),
    events: {
      async send(events) {
        if (kafkaFails.value) throw new Error('broker unreachable');
        sent.push(...events);
      },
    },
    health: { report: () => health.report },
    modelVersion: () => 'v-test',
    nowMs: () => NOW_MS,
  });
  await app.ready();
  return {
    app,
    users,
    catalog,
    sent,
    health,
    kafkaFails,
    catalogStoreFails,
    removedEmbeddings,
    logs,
    async close() {
      await app.close();
      await catalog.close();
    },
  };
}

export function event(overrides: Partial<ClickEvent> = {}): ClickEvent {
  return { eventId: `e-${Math.random().toString(36).slice(2)}`, userId: 'bob', itemId: 'i3', type: 'click', ts: NOW_MS - 100, ...overrides };
}

import { afterAll, describe, expect, it } from 'vitest';
import { decodeRecommendationList } from '../../src/adapters/kafka/recommendations.ts';
import type { RecommendationsBody } from '../../src/adapters/http/schemas.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { startLearner, type LearnerRuntime } from '../../src/pipeline/compose.ts';
import { startApi, type RunningApi } from '../../src/serving/api.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { loadBlend } from '../../src/adapters/redis/blend-store.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import { DEFAULT_BLEND_CHOICE } from '../../src/core/blend-choice.ts';
import { produceEvents, publishModel, readTopic, waitUntil } from './support.ts';

const ctx = await integrationSetup({
  CLICKSTREAM_PARTITIONS: '2',
  EMBEDDING_DIM: '8',
  LEARNER_INDEX_SNAPSHOT_DIR: 'off',
  API_INDEX_SNAPSHOT_DIR: 'off',
  LEARNER_METRICS_PORT: '0',
  PORT: '0',
});
const running: Array<RunningApi | LearnerRuntime> = [];
afterAll(async () => {
  for (const r of running.reverse()) await r.close();
});

const produce = (events: readonly ClickEvent[]) => produceEvents(ctx, events);

describe('session neighbours from the clickstream tail (real Kafka and Redis)', () => {
  it('learner and API rebuild the index from the recent clickstream and recommend an item only neighbour sessions hold', async () => {
    const { config, kafka, redis, log } = ctx;
    const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));
    await publishModel(kafka, config, log, 3);
    // Sessions on both partitions, before any learner runs: no refitter, so no rules; the
    // novec items never get a vector (no context of vector items).
    const t0 = Date.now() - 60_000;
    const sessions: ClickEvent[] = [];
    for (let u = 0; u < 20; u++) {
      sessions.push({ eventId: `n${u}-1`, userId: `n${u}`, itemId: 'novec-a', type: 'click', ts: t0 + u });
      sessions.push({ eventId: `n${u}-2`, userId: `n${u}`, itemId: 'novec-b', type: 'click', ts: t0 + u + 1 });
    }
    await produce(sessions);

    const learner = await startLearner(config, log);
    running.push(learner);
    const api = await startApi(config, log);
    running.push(api);
    // The lookback replays what came before the start (SESSION_LOOKBACK_MS, 1 day), and the
    // learner consumes only after it: its first lists already have the neighbour sessions.
    expect(learner.sessionsTail.caughtUp).toBe(true);
    expect(learner.sessions.sessions).toBe(20);
    expect(learner.neighbours.rowOf('novec-a')).toBeUndefined();

    const now = Date.now();
    await produce([
      { eventId: 'shop-1', userId: 'shopper', itemId: 'item-1', type: 'click', ts: now - 2 },
      { eventId: 'shop-2', userId: 'shopper', itemId: 'novec-a', type: 'click', ts: now - 1 },
    ]);
    const lists = await readTopic(kafka, config.topics.recommendations, (all) =>
      all.some((m) => m.message.key?.toString() === 'shopper' && decodeRecommendationList(m.message.value!).causedBy === 'shop-2'),
    );
    const list = lists.map((m) => decodeRecommendationList(m.message.value!)).find((l) => l.userId === 'shopper' && l.causedBy === 'shop-2')!;
    expect(list.items[0]?.itemId).toBe('novec-b');
    expect(list.items[0]?.source).toBe('model');

    // The API serves the stored ranking (its hashes resolve through its own session index);
    // with item-2 excluded fewer than k of that ranking (novec-b, item-2, item-0) pass, so it
    // searches, with the same sources.
    const get = async (path: string) => JSON.parse(await (await fetch(`${api.address}${path}`)).text()) as RecommendationsBody;
    let body: RecommendationsBody | undefined;
    await waitUntil('the API serves novec-b to the shopper', async () => {
      body = await get('/v1/users/shopper/recommendations?k=3');
      return !body.cold && body.items[0]?.itemId === 'novec-b';
    }, 20_000);
    expect(body!.items[0]?.source).toBe('model');
    const searched = await get('/v1/users/shopper/recommendations?k=3&exclude=item-2');
    expect(searched.items[0]).toMatchObject({ itemId: 'novec-b', source: 'model' });
    // A product page for novec-a, an item with no vector and no catalog entry: the sessions
    // holding it put novec-b beside it (the embedding alone knew nothing and answered 404).
    const beside = await fetch(`${api.address}/v1/items/novec-a/similar?k=3`);
    expect(beside.status).toBe(200);
    expect(((await beside.json()) as { items: Array<{ itemId: string }> }).items[0]?.itemId).toBe('novec-b');
    expect((await fetch(`${api.address}/v1/items/never-seen/similar?k=3`)).status).toBe(404);

    // The API searched, so it keeps each alternative blend's top for the shopper; the shopper's
    // next event, read from its clickstream tail, credits every blend that listed novec-b.
    const hitRates = async () => {
      const text = await (await fetch(`${api.address}/metrics`)).text();
      return new Map([...text.matchAll(/^streamrec_blend_hit_rate\{[^}]*blend="([^"]+)"[^}]*\} (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
    };
    expect([...(await hitRates()).values()]).toEqual([0, 0, 0, 0, 0]);
    await produce([{ eventId: 'shop-3', userId: 'shopper', itemId: 'novec-b', type: 'click', ts: Date.now() }]);
    await waitUntil('the API credits its blends with the shopper\'s next event', async () => (await hitRates()).get('30') === 1, 20_000, 50);
    expect(Object.fromEntries(await hitRates())).toEqual({ '10': 1, '30': 1, '100': 1, '30+last10': 1, '30+last30': 1 });

    // A newcomer with no state is served from the cold horizon chosen so far, and the API keeps
    // every horizon's top; the newcomer's first click, read from the tail, credits those that listed it.
    // Keyed `days` for a horizon of every event, `days entry` for one of users' first events.
    const coldRates = async () => {
      const text = await (await fetch(`${api.address}/metrics`)).text();
      return new Map(
        [...text.matchAll(/^streamrec_cold_hit_rate\{([^}]*)\} (\S+)$/gm)].map((m) => {
          const days = /half_life_days="(\d+)"/.exec(m[1]!)![1]!;
          return [/events="first"/.test(m[1]!) ? `${days} entry` : days, Number(m[2])];
        }),
      );
    };
    expect(Object.fromEntries(await coldRates())).toEqual({ '1': 0, '7': 0, '30': 0, '365': 0, '7 entry': 0, '30 entry': 0, '365 entry': 0 });
    const newcomer = await get('/v1/users/newcomer/recommendations?k=10');
    expect(newcomer.cold).toBe(true);
    expect(newcomer.items.map((i) => i.itemId)).toContain('novec-b');
    await produce([{ eventId: 'new-1', userId: 'newcomer', itemId: 'novec-b', type: 'click', ts: Date.now() }]);
    await waitUntil("the API credits the cold horizons with the newcomer's first click", async () => (await coldRates()).get('1') === 1, 20_000, 50);
    // The entry horizons count the tail's first events (novec-a twenty times, item-1 once): novec-b was not in their tops.
    expect(Object.fromEntries(await coldRates())).toEqual({ '1': 1, '7': 1, '30': 1, '365': 1, '7 entry': 0, '30 entry': 0, '365 entry': 0 });

    // The learner credited its stored list with shop-3 too, and saves its credits when it stops:
    // the next learner (and API) of the group starts from them.
    await waitUntil('the learner applied shop-3', async () => (await store.get('shopper'))?.eventCount === 3, 20_000, 50);
    await learner.close();
    running.splice(running.indexOf(learner), 1);
    const saved = await loadBlend(redis, createRedisKeys(config.redis.keyPrefix), config.learner.groupId, DEFAULT_BLEND_CHOICE, log);
    expect(saved?.credited).toBeGreaterThan(0);
  }, 90_000);
});

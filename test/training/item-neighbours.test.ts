import { afterAll, describe, expect, it } from 'vitest';
import { createItemEmbeddingsTail } from '../../src/adapters/kafka/item-embeddings-tail.ts';
import { createItemNeighboursTail } from '../../src/adapters/kafka/item-neighbours-tail.ts';
import { connectProducer } from '../../src/adapters/kafka/producer.ts';
import { decodeRecommendationList } from '../../src/adapters/kafka/recommendations.ts';
import type { RecommendationsBody } from '../../src/adapters/http/schemas.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { createNeighbourTable } from '../../src/core/neighbour-table.ts';
import { startLearner, type LearnerRuntime } from '../../src/pipeline/compose.ts';
import { startApi, type RunningApi } from '../../src/serving/api.ts';
import { startRefitter, type RefitterRuntime } from '../../src/training/refit-worker.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { produceEvents, publishModel, readTopic, waitUntil } from '../pipeline/support.ts';

const ctx = await integrationSetup({
  CLICKSTREAM_PARTITIONS: '2',
  EMBEDDING_DIM: '8',
  LEARNER_INDEX_SNAPSHOT_DIR: 'off',
  API_INDEX_SNAPSHOT_DIR: 'off',
  LEARNER_METRICS_PORT: '0',
  PORT: '0',
  NEIGHBOURS_PUBLISH_INTERVAL_MS: '100',
});
const running: Array<RunningApi | LearnerRuntime | RefitterRuntime> = [];
afterAll(async () => {
  for (const r of running.reverse()) await r.close();
});

const produce = (events: readonly ClickEvent[]) => produceEvents(ctx, events);

describe('co-visitation rules replicated through item-neighbours (real Kafka and Redis)', () => {
  it('the refit worker publishes the rows, a tail applies them, and learner and API recommend an item known only through them', async () => {
    const { config, kafka, log } = ctx;
    // Three items with vectors; novec-a and novec-b never get one: no session gives them a context of vector items.
    await publishModel(kafka, config, log, 3);
    const t0 = Date.now() - 60_000;
    const sessions: ClickEvent[] = [];
    for (let u = 0; u < 30; u++) {
      sessions.push({ eventId: `s${u}-1`, userId: `s${u}`, itemId: 'novec-a', type: 'click', ts: t0 + u });
      sessions.push({ eventId: `s${u}-2`, userId: `s${u}`, itemId: 'novec-b', type: 'click', ts: t0 + u + 1 });
    }
    await produce(sessions);
    const refitter = await startRefitter(config, log);
    running.push(refitter);
    await refitter.whenCaughtUp();
    await waitUntil('both rows published', async () => refitter.neighbourRows >= 2, 15_000, 50);

    // A bad record on the topic is skipped and counted by every reader.
    const raw = await connectProducer(kafka, config, log);
    await raw.send({ topic: config.topics.itemNeighbours, messages: [{ key: 'junk', value: 'not msgpack' }] });
    await raw.disconnect();
    const table = createNeighbourTable();
    const tail = createItemNeighboursTail(kafka, config, table, log);
    await tail.start();
    await tail.stop();
    expect(tail.stats.invalid).toBe(1);
    // a → b gains 1 per session (d = 1), b → a the backward 0.5.
    expect(table.rowOf('novec-a')).toMatchObject({ ids: ['novec-b'], weights: [30], mass: 30 });
    expect(table.rowOf('novec-b')).toMatchObject({ ids: ['novec-a'], weights: [15], mass: 15 });

    const learner = await startLearner(config, log);
    running.push(learner);
    expect(learner.neighbours.rowOf('novec-a')?.ids).toEqual(['novec-b']);
    const api = await startApi(config, log);
    running.push(api);

    // The shopper's vector comes from item-1; novec-a is where co-visitation takes over.
    const now = Date.now();
    await produce([
      { eventId: 'shop-1', userId: 'shopper', itemId: 'item-1', type: 'click', ts: now - 2 },
      { eventId: 'shop-2', userId: 'shopper', itemId: 'novec-a', type: 'click', ts: now - 1 },
    ]);
    const lists = await readTopic(kafka, config.topics.recommendations, (all) =>
      all.some((m) => m.message.key?.toString() === 'shopper' && decodeRecommendationList(m.message.value!).causedBy === 'shop-2'),
    );
    const list = lists.map((m) => decodeRecommendationList(m.message.value!)).find((l) => l.userId === 'shopper' && l.causedBy === 'shop-2')!;
    expect(list.items.find((i) => i.itemId === 'novec-b')?.source).toBe('model');

    // Served by the API from the ranking the learner stored (item hashes), which names novec-b.
    const get = async (path: string) => (await fetch(`${api.address}${path}`)).text();
    let body: RecommendationsBody | undefined;
    await waitUntil('the shopper state with both events', async () => {
      body = JSON.parse(await get('/v1/users/shopper/recommendations?k=3')) as RecommendationsBody;
      return !body.cold && body.items.some((i) => i.itemId === 'novec-b');
    }, 15_000);
    expect(body!.items.find((i) => i.itemId === 'novec-b')?.source).toBe('model');
    expect(await get('/metrics')).toMatch(/streamrec_recommend_candidates_total\{source="pool"[^}]*\} [1-9]/);

    // novec-b is in no index: it was recommended through the rules alone.
    const index = createExactIndex(config.model.dim);
    const embeddings = createItemEmbeddingsTail(kafka, config, index, log);
    await embeddings.start();
    await embeddings.stop();
    expect(index.has('item-1')).toBe(true);
    expect(index.has('novec-b')).toBe(false);
  }, 90_000);
});

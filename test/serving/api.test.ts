import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../../src/serving/api.ts';
import { startLearner, type LearnerRuntime } from '../../src/pipeline/compose.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { publishModel, waitUntil } from '../pipeline/support.ts';
import type { RecommendationsBody } from '../../src/adapters/http/schemas.ts';

const API_KEY = 'e2e-key';
const snapshotDir = mkdtempSync(join(tmpdir(), 'streamrec-api-index-'));
const ctx = await integrationSetup({
  EMBEDDING_DIM: '8',
  CLICKSTREAM_PARTITIONS: '2',
  API_KEY,
  PORT: '0',
  LEARNER_METRICS_PORT: '0',
  API_INDEX_SNAPSHOT_DIR: snapshotDir,
});
const running: Array<RunningApi | LearnerRuntime> = [];
afterAll(async () => {
  for (const r of running.reverse()) await r.close();
  rmSync(snapshotDir, { recursive: true, force: true });
});


describe('API process against real Kafka and Redis, with a learner', () => {
  it('POST /v1/events -> learner -> GET recommendations reflects it; catalog removal reaches the index', async () => {
    const { config, kafka, log } = ctx;
    await publishModel(kafka, config, log, 30);
    const learner = await startLearner(config, log);
    running.push(learner);
    const api = await startApi(config, log);
    running.push(api);
    const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
      const res = await fetch(`${api.address}${path}`);
      return { status: res.status, body: (await res.json()) as T };
    };
    const send = (method: string, path: string, body?: unknown) =>
      fetch(`${api.address}${path}`, {
        method,
        headers: { 'x-api-key': API_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    // Ready once the clickstream feed has replayed its lookback (bounded by CATCH_UP_TIMEOUT_MS).
    let ready = await get<{ ready: boolean; indexSize: number; modelVersion: string; checks: { feed: boolean } }>('/readyz');
    await waitUntil('the API to be ready', async () => (ready = await get('/readyz')).status === 200, 30_000);
    expect(ready.body).toMatchObject({ ready: true, indexSize: 30, modelVersion: 'test-v1', checks: { feed: true } });

    const before = await get<RecommendationsBody>('/v1/users/shopper/recommendations?k=5');
    expect(before.body.cold).toBe(true);

    const posted = await send('POST', '/v1/events', [
      { eventId: 'api-e1', userId: 'shopper', itemId: 'item-3', type: 'purchase', ts: Date.now() },
      { eventId: 'api-bad', userId: 'shopper', itemId: 'item-3', type: 'teleport', ts: Date.now() },
    ]);
    expect(posted.status).toBe(202);
    expect(await posted.json()).toMatchObject({ accepted: ['api-e1'], rejected: [{ index: 1 }] });

    let recs: RecommendationsBody | undefined;
    await waitUntil('personalised recommendations', async () => {
      recs = (await get<RecommendationsBody>('/v1/users/shopper/recommendations?k=5')).body;
      return !recs.cold;
    }, 30_000);
    const ids = recs!.items.map((i) => i.itemId);
    expect(ids).not.toContain('item-3');
    expect(recs!.items.every((i) => i.source === 'model')).toBe(true);
    expect(recs!.modelVersion).toBe('test-v1');
    // One purchase: the user vector points along item-3, so the ranking is item-3's neighbourhood.
    const similar = await get<{ items: Array<{ itemId: string }> }>('/v1/items/item-3/similar?k=5');
    expect(ids[0]).toBe(similar.body.items[0]!.itemId);

    const user = await get<{ history: Array<{ itemId: string }>; norm: number }>('/v1/users/shopper');
    expect(user.status).toBe(200);
    expect(user.body.history.map((h) => h.itemId)).toEqual(['item-3']);
    expect(user.body.norm).toBeGreaterThan(0);

    // The in-process trending copy sees the clickstream too: a cold user gets item-3.
    await waitUntil('trending to include item-3', async () => {
      const cold = (await get<RecommendationsBody>('/v1/users/stranger/recommendations?k=3')).body;
      return cold.items.some((i) => i.itemId === 'item-3');
    }, 15_000);

    // Unavailable: gone from the very next answer. Deleted: tombstoned out of the index.
    const top = ids[0]!;
    expect((await send('PUT', `/v1/items/${top}`, { available: false, title: 'gone' })).status).toBe(200);
    const after = (await get<RecommendationsBody>('/v1/users/shopper/recommendations?k=5')).body;
    expect(after.items.map((i) => i.itemId)).not.toContain(top);
    expect((await send('DELETE', '/v1/items/item-7')).status).toBe(200);
    await waitUntil('the tombstone to reach the index', async () => {
      const item = await get<{ inIndex: boolean }>('/v1/items/item-7');
      return item.status === 200 && item.body.inIndex === false;
    }, 10_000);
    expect(learner.tail.stats.removals).toBeGreaterThanOrEqual(1);

    // A restart starts from the index snapshot and ends with the same items.
    await api.close();
    running.splice(running.indexOf(api), 1);
    const again = await startApi(config, log);
    running.push(again);
    await waitUntil('the restarted API to be ready', async () => (await fetch(`${again.address}/readyz`)).status === 200, 30_000);
    const readyAgain = await fetch(`${again.address}/readyz`);
    expect(await readyAgain.json()).toMatchObject({ ready: true, indexSize: 29 });
    const gone = await fetch(`${again.address}/v1/items/item-7`);
    expect(((await gone.json()) as { inIndex: boolean }).inIndex).toBe(false);
    // The restarted process's index hides the unavailable item again (the search itself no
    // longer asks the catalog per candidate).
    const restarted = (await (await fetch(`${again.address}/v1/users/shopper/recommendations?k=5`)).json()) as RecommendationsBody;
    expect(restarted.items).toHaveLength(5);
    expect(restarted.items.map((i) => i.itemId)).not.toContain(top);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import { createUserState } from '../../src/core/user-state.ts';
import { startApi, type RunningApi } from '../../src/serving/api.ts';
import { publishModel, waitUntil } from '../pipeline/support.ts';
import { itemHash } from '../../src/core/item-hash.ts';
import type { RecommendationsBody } from '../../src/adapters/http/schemas.ts';
import { freePort } from '../helpers/free-port.ts';

// A private redis-server this test may kill and restart; Kafka is the shared broker.
const port = await freePort();
let server: ChildProcess | undefined = startRedisServer(port);
// afterAll hooks run last-registered first, and the integration helper registers its
// teardown when imported: importing it after this hook lets the server outlive the teardown.
afterAll(() => {
  server?.kill('SIGKILL');
});
const { integrationSetup } = await import('../helpers/integration.ts');
await waitUntil('the private redis-server', () => answers(port), 10_000, 100);
const ctx = await integrationSetup({ API_INDEX_SNAPSHOT_DIR: 'off', EMBEDDING_DIM: '8', PORT: '0', API_KEY: 'k', REDIS_URL: `redis://127.0.0.1:${port}`, HTTP_PROBE_INTERVAL_MS: '500' });
let api: RunningApi | undefined;
afterAll(async () => {
  await api?.close();
});


describe('Redis outage', () => {
  it('recommend keeps answering from trending, flagged degraded; /readyz says degraded; both recover', async () => {
    const { config, kafka, log } = ctx;
    const vectors = await publishModel(kafka, config, log, 20);
    api = await startApi(config, log);
    const base = api.address;
    const getJson = async <T>(path: string) => {
      const res = await fetch(`${base}${path}`);
      return { status: res.status, body: (await res.json()) as T };
    };
    const commitUser = async () => {
      const redis = new Redis(config.redis.url);
      const user = createUserState('ann', 8);
      user.vector.set(vectors.get('item-1')!);
      user.eventCount = 1;
      user.seen = [itemHash('item-1')];
      await createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix)).commit([user]);
      redis.disconnect();
    };
    await commitUser();
    // Popular items for the fallback: the API's trending copy reads them from the clickstream.
    const posted = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'content-type': 'application/json' },
      body: JSON.stringify([5, 5, 6].map((n, i) => ({ eventId: `d${i}`, userId: 'other', itemId: `item-${n}`, type: 'purchase', ts: Date.now() }))),
    });
    expect(posted.status).toBe(202);
    await waitUntil('trending', async () => (await getJson<RecommendationsBody>('/v1/users/nobody/recommendations?k=2')).body.items.length === 2, 15_000);
    const healthy = await getJson<RecommendationsBody>('/v1/users/ann/recommendations?k=3');
    expect(healthy.body).toMatchObject({ cold: false, degraded: false });

    server!.kill('SIGKILL');
    await new Promise((r) => server!.once('exit', r));
    server = undefined;
    await waitUntil('readyz to say degraded', async () => {
      const r = await getJson<{ state: string; checks: { redis: boolean } }>('/readyz');
      return r.status === 503 && r.body.state === 'degraded' && !r.body.checks.redis;
    }, 10_000);
    const started = Date.now();
    const down = await getJson<RecommendationsBody>('/v1/users/ann/recommendations?k=3');
    const tookMs = Date.now() - started;
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ degraded: true, cold: true });
    expect(down.body.items.map((i) => i.itemId)).toEqual(['item-5', 'item-6']);
    expect(down.body.items.every((i) => i.source === 'trending')).toBe(true);
    expect(tookMs).toBeLessThan(1000); // known-down Redis is skipped, not waited for
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/streamrec_recommend_fallbacks_total\{reason="degraded"[^}]*\} [1-9]/);

    server = startRedisServer(port);
    await waitUntil('the API to recover', async () => (await getJson('/readyz')).status === 200, 20_000);
    await commitUser(); // the restarted redis-server kept nothing
    const back = await getJson<RecommendationsBody>('/v1/users/ann/recommendations?k=3');
    expect(back.body).toMatchObject({ degraded: false, cold: false });
  });
});

function startRedisServer(p: number): ChildProcess {
  return spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
}

async function answers(p: number): Promise<boolean> {
  const r = new Redis(`redis://127.0.0.1:${p}`, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}


import { afterAll, describe, expect, it } from 'vitest';
import type { RecommendationsBody } from '../../src/adapters/http/schemas.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { msgpack } from '../../src/adapters/msgpack.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { startApi, type RunningApi } from '../../src/serving/api.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { produceEvents, publishModel, waitUntil } from '../pipeline/support.ts';

const API_KEY = 'cold-key';
const ctx = await integrationSetup({ EMBEDDING_DIM: '8', CLICKSTREAM_PARTITIONS: '2', API_KEY, PORT: '0', API_INDEX_SNAPSHOT_DIR: 'off' });
const running: RunningApi[] = [];
afterAll(async () => {
  for (const r of running.reverse()) await r.close();
});

/** The API's cold-user hit rate of the 365-day horizon, from /metrics. */
async function yearHitRate(api: RunningApi): Promise<number> {
  const text = await (await fetch(`${api.address}/metrics`)).text();
  const m = /streamrec_cold_hit_rate\{half_life_days="365"[^}]*\} ([0-9.e-]+)/.exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

async function readyApi(): Promise<RunningApi> {
  const api = await startApi(ctx.config, ctx.log);
  running.push(api);
  await waitUntil('the API to be ready', async () => (await fetch(`${api.address}/readyz`)).status === 200, 30_000);
  return api;
}

describe('an API restart keeps what cold users taught it (real Kafka and Redis)', () => {
  it('credits earned before a restart are there after it, from the save in Redis', async () => {
    await publishModel(ctx.kafka, ctx.config, ctx.log, 20);
    const now = Date.now();
    const popular: ClickEvent[] = Array.from({ length: 60 }, (_, i) => ({ eventId: `pop-${i}`, userId: `regular-${i % 9}`, itemId: `item-${i % 3}`, type: 'view', ts: now - 60_000 + i }));
    await produceEvents(ctx, popular);

    const first = await readyApi();
    expect(await yearHitRate(first)).toBe(0);
    // Newcomers are shown a popularity list and click its first item: every horizon holding it is credited.
    for (let n = 0; n < 4; n++) {
      const list = (await (await fetch(`${first.address}/v1/users/newcomer-${n}/recommendations?k=10`)).json()) as RecommendationsBody;
      expect(list.cold).toBe(true);
      const posted = await fetch(`${first.address}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
        body: JSON.stringify({ eventId: `first-${n}`, userId: `newcomer-${n}`, itemId: list.items[0]!.itemId, type: 'click', ts: Date.now() }),
      });
      expect(posted.status).toBe(202);
    }
    await waitUntil('the clicks to credit the horizons', async () => (await yearHitRate(first)) > 0, 30_000);
    const before = await yearHitRate(first);

    await first.close(); // the last save
    running.splice(running.indexOf(first), 1);
    const keys = createRedisKeys(ctx.config.redis.keyPrefix);
    expect(await ctx.redis.exists(keys.apiCold())).toBe(1);
    // And the users its entry trackers had seen (saved hourly and at stop): the 9 regulars and the 4 newcomers.
    const users = msgpack.unpack((await ctx.redis.getBuffer(keys.apiColdUsers()))!) as { newer: Uint8Array; older: Uint8Array };
    expect((users.newer.byteLength + users.older.byteLength) / 4).toBe(13);

    const second = await readyApi();
    expect(await yearHitRate(second)).toBeCloseTo(before, 9); // without the save: 0 again
  });
});

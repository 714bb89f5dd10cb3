import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { onlineModelParamsFrom } from '../../../src/core/online-model-params.ts';
import { API_KEY, createFixture, DIM, event, NOW_MS, type Fixture } from './fixture.ts';

let f: Fixture;
beforeEach(async () => {
  f = await createFixture();
});
afterEach(async () => {
  await f.close();
});

const key = { 'x-api-key': API_KEY };

function expectClientError(res: { statusCode: number; body: string }, status: number, messagePart: RegExp): void {
  expect(res.statusCode).toBe(status);
  const body = JSON.parse(res.body) as { error: string; message: string; stack?: unknown };
  expect(body.message).toMatch(messagePart);
  expect(body.stack).toBeUndefined();
  expect(res.body).not.toMatch(/at .*\.ts:\d+/);
}

describe('GET /v1/users/:userId/recommendations', () => {
  it('ranks by the user embedding, skips seen items and says where items came from', async () => {
    const res = await f.app.inject({ url: '/v1/users/alice/recommendations?k=5' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items).toHaveLength(5);
    expect(body.items.every((i: { source: string }) => i.source === 'model')).toBe(true);
    const ids = body.items.map((i: { itemId: string }) => i.itemId);
    expect(ids).not.toContain('i0');
    expect(ids).not.toContain('i4');
    // Axis-0 items are i0, i4, i8, ...; the largest (i36) is the closest after normalising.
    expect(ids.every((id: string) => Number(id.slice(1)) % DIM === 0)).toBe(true);
    expect(body).toMatchObject({ userId: 'alice', modelVersion: 'v-test', cold: false, degraded: false, underfilled: 0 });
    expect(body.recommendationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown users with trending items, flagged cold', async () => {
    const res = await f.app.inject({ url: '/v1/users/nobody/recommendations?k=3' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items.map((i: { itemId: string }) => i.itemId)).toEqual(['i0', 'i1', 'i2']);
    expect(body.items[0].source).toBe('trending');
    expect(body).toMatchObject({ cold: true, fallback: true, degraded: false });
  });

  it('honours exclude and category', async () => {
    const res = await f.app.inject({ url: '/v1/users/nobody/recommendations?k=3&exclude=i0,i2&category=c1' });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((i: { itemId: string }) => i.itemId)).toEqual(['i1']);
    expect(res.json().underfilled).toBe(2);
  });

  it('takes exclude repeated as well as comma-separated', async () => {
    const res = await f.app.inject({ url: '/v1/users/nobody/recommendations?k=2&exclude=i0&exclude=i1,i2' });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((i: { itemId: string }) => i.itemId)).toEqual(['i3', 'i4']);
  });

  it('uses the default k', async () => {
    const res = await f.app.inject({ url: '/v1/users/alice/recommendations' });
    expect(res.json().items).toHaveLength(10);
  });

  it.each([
    ['k=0', /k must be an integer from 1 to 50, got "0"/],
    ['k=51', /k must be an integer from 1 to 50, got "51"/],
    ['k=abc', /k must be an integer from 1 to 50, got "abc"/],
    ['k=2.5', /k must be an integer from 1 to 50, got "2.5"/],
    ['exclude=ok,b%20ad', /exclude\[1\] has characters outside/],
    ['category=' + 'c'.repeat(129), /category must NOT have more than 128/],
  ])('rejects %s with a 400 that says what is wrong', async (query, message) => {
    expectClientError(await f.app.inject({ url: `/v1/users/alice/recommendations?${query}` }), 400, message);
  });

  it('rejects malformed URLs with the same error shape', async () => {
    const res = await f.app.inject({ url: '/v1/users/%E0%A4%A/recommendations' });
    expectClientError(res, 400, /not a valid url component/);
    expect(res.json().error).toBe('BAD_REQUEST');
  });

  it('rejects bad user ids with a 400', async () => {
    expectClientError(await f.app.inject({ url: '/v1/users/a%20b/recommendations' }), 400, /userId has characters outside/);
    expectClientError(await f.app.inject({ url: `/v1/users/${'u'.repeat(129)}/recommendations` }), 400, /128/);
  });

  it('still answers from trending, flagged degraded, when the user store fails or Redis is known down', async () => {
    f.users.get = async () => {
      throw new Error('connection refused');
    };
    let res = await f.app.inject({ url: '/v1/users/alice/recommendations?k=2' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ degraded: true, cold: true, fallback: true });
    expect(res.json().items[0].source).toBe('trending');

    f.users.get = () => new Promise(() => undefined); // hangs: the bounded read must cut it
    res = await f.app.inject({ url: '/v1/users/alice/recommendations?k=2' });
    expect(res.statusCode).toBe(200);
    expect(res.json().degraded).toBe(true);

    f.health.report = { state: 'degraded', checks: { index: true, feed: true, redis: false, kafka: true } };
    res = await f.app.inject({ url: '/v1/users/alice/recommendations?k=2' });
    expect(res.json().degraded).toBe(true);
  });
});

describe('GET /v1/items/:itemId/similar and GET /v1/items/:itemId', () => {
  it('returns neighbours on the same axis, never the item itself', async () => {
    const res = await f.app.inject({ url: '/v1/items/i5/similar?k=3' });
    expect(res.statusCode).toBe(200);
    const ids = res.json().items.map((i: { itemId: string }) => i.itemId);
    expect(ids).toHaveLength(3);
    expect(ids).not.toContain('i5');
    expect(ids.every((id: string) => Number(id.slice(1)) % DIM === 1)).toBe(true);
  });

  it('shows embedding, metadata and neighbours of an item', async () => {
    const res = await f.app.inject({ url: '/v1/items/i1?k=2' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.embedding).toHaveLength(DIM);
    // The factor (item-space.ts): the reserved coordinate of the unit index vector is zeroed.
    expect(body.embedding[DIM - 1]).toBe(0);
    expect(body.norm).toBeCloseTo(Math.hypot(...body.embedding), 5);
    expect(body.norm).toBeLessThan(1);
    expect(body.metadata).toMatchObject({ title: 'One', category: 'c1', available: true });
    expect(body.neighbours).toHaveLength(2);
  });

  it("similar scores the embeddings GET /v1/items/:itemId shows: the neighbour's factor along the item's direction plus the trending tie-break, best first", async () => {
    const embeddingOf = async (id: string): Promise<number[]> => (await f.app.inject({ url: `/v1/items/${id}` })).json().embedding;
    const along = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / Math.hypot(...a);
    const seed = await embeddingOf('i5');
    const items: Array<{ itemId: string; score: number }> = (await f.app.inject({ url: '/v1/items/i5/similar?k=10' })).json().items;
    expect(items).toHaveLength(10);
    // The re-rank adds at most the trending weight (0.1 × trending / the top item's trending).
    const { trendingWeight } = onlineModelParamsFrom(loadConfig({}).model).rerank;
    for (const n of items) {
      const lift = n.score - along(seed, await embeddingOf(n.itemId));
      expect(lift).toBeGreaterThanOrEqual(-1e-4);
      expect(lift).toBeLessThanOrEqual(trendingWeight + 1e-4);
    }
    expect(items.map((n) => n.score)).toEqual(items.map((n) => n.score).sort((a, b) => b - a));
  });

  it('the answer for k is the first k of the answer for MAX_K', async () => {
    for (const id of ['i0', 'i1', 'i6', 'i13']) {
      const ids = async (k: number) => (await f.app.inject({ url: `/v1/items/${id}/similar?k=${k}` })).json().items.map((i: { itemId: string }) => i.itemId);
      const longest = await ids(50);
      for (let k = 1; k <= 50; k++) expect(await ids(k), `${id} k=${k}`).toEqual(longest.slice(0, k));
    }
  });

  it('answers unknown items with 404 and bad ids with 400', async () => {
    expectClientError(await f.app.inject({ url: '/v1/items/nope' }), 404, /item nope is not in the index or the catalog/);
    expectClientError(await f.app.inject({ url: '/v1/items/nope/similar' }), 404, /not in the index/);
    expectClientError(await f.app.inject({ url: '/v1/items/b%24d/similar' }), 400, /itemId has characters outside/);
    expectClientError(await f.app.inject({ url: '/v1/items/i1/similar?k=-1' }), 400, /k must be an integer from 1 to 50/);
  });
});

describe('GET /v1/users/:userId', () => {
  it('shows embedding, norm, history newest first, last update and nearest items', async () => {
    const res = await f.app.inject({ url: '/v1/users/alice?k=3' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.embedding).toEqual([1, 0, 0, 0]);
    expect(body.norm).toBe(1);
    expect(body.history.map((h: { itemId: string }) => h.itemId)).toEqual(['i4', 'i0']);
    expect(body).toMatchObject({ lastEventTs: NOW_MS - 5000, updatedAtMs: NOW_MS - 4000, eventCount: 3 });
    expect(body.nearestItems).toHaveLength(3);
  });

  it('404 for a user never seen, 503 when the store fails', async () => {
    expectClientError(await f.app.inject({ url: '/v1/users/nobody' }), 404, /no events seen for user nobody/);
    f.users.get = async () => {
      throw new Error('connection refused');
    };
    const res = await f.app.inject({ url: '/v1/users/alice' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toBe('REDIS_UNAVAILABLE');
  });
});

describe('PUT and DELETE /v1/items/:itemId', () => {
  it('needs the API key: missing and wrong keys get 401', async () => {
    const body = { title: 'x' };
    expectClientError(await f.app.inject({ method: 'PUT', url: '/v1/items/i2', payload: body }), 401, /missing API key/);
    expectClientError(
      await f.app.inject({ method: 'PUT', url: '/v1/items/i2', payload: body, headers: { 'x-api-key': 'nope' } }),
      401,
      /wrong API key/,
    );
    expectClientError(await f.app.inject({ method: 'DELETE', url: '/v1/items/i2' }), 401, /missing API key/);
    // The key is checked before the body is parsed or validated.
    expectClientError(await f.app.inject({ method: 'PUT', url: '/v1/items/i2', payload: '{"available":', headers: { 'content-type': 'application/json' } }), 401, /missing API key/);
    const bearer = await f.app.inject({ method: 'PUT', url: '/v1/items/i2', payload: body, headers: { authorization: `Bearer ${API_KEY}` } });
    expect(bearer.statusCode).toBe(200);
  });

  it('an unavailable item leaves recommendations at once, and comes back when available again', async () => {
    const before = await f.app.inject({ url: '/v1/users/nobody/recommendations?k=3' });
    expect(before.json().items[0].itemId).toBe('i0');
    const put = await f.app.inject({ method: 'PUT', url: '/v1/items/i0', payload: { available: false, category: 'c0' }, headers: key });
    expect(put.statusCode).toBe(200);
    expect(put.json().metadata).toMatchObject({ available: false, category: 'c0', updatedAtMs: NOW_MS });
    const after = await f.app.inject({ url: '/v1/users/nobody/recommendations?k=3' });
    expect(after.json().items.map((i: { itemId: string }) => i.itemId)).toEqual(['i1', 'i2', 'i3']);
    const similar = await f.app.inject({ url: '/v1/items/i4/similar?k=20' });
    expect(similar.json().items.map((i: { itemId: string }) => i.itemId)).not.toContain('i0');
    await f.app.inject({ method: 'PUT', url: '/v1/items/i0', payload: { available: true }, headers: key });
    expect((await f.app.inject({ url: '/v1/users/nobody/recommendations?k=1' })).json().items[0].itemId).toBe('i0');
  });

  it('a boost lifts a recommended item (to the top at 1), shows in its metadata, and goes with a write without it', async () => {
    const ids = async () => ((await f.app.inject({ url: '/v1/users/alice/recommendations?k=5' })).json().items as Array<{ itemId: string }>).map((i) => i.itemId);
    const before = await ids();
    const last = before[4]!;
    const put = await f.app.inject({ method: 'PUT', url: `/v1/items/${last}`, payload: { boost: 1, boostUntilMs: NOW_MS + 3_600_000 }, headers: key });
    expect(put.statusCode).toBe(200);
    expect(put.json().metadata).toMatchObject({ available: true, boost: 1, boostUntilMs: NOW_MS + 3_600_000 });
    expect(await ids()).toEqual([last, ...before.slice(0, 4)]);
    const flagged = (await f.app.inject({ url: '/v1/users/alice/recommendations?k=5' })).json().items as Array<{ itemId: string; promoted?: boolean }>;
    expect(flagged.filter((i) => i.promoted === true).map((i) => i.itemId)).toEqual([last]);
    expect((await f.app.inject({ url: `/v1/items/${last}` })).json().metadata).toMatchObject({ boost: 1 });
    await f.app.inject({ method: 'PUT', url: `/v1/items/${last}`, payload: {}, headers: key });
    expect(await ids()).toEqual(before);
  });

  it('a boost lifts an item shown beside another (similar), flagged, and the answer for k stays a prefix', async () => {
    const beside = async (k: number) => (await f.app.inject({ url: `/v1/items/i5/similar?k=${k}` })).json().items as Array<{ itemId: string; promoted?: boolean }>;
    const before = (await beside(5)).map((i) => i.itemId);
    const last = before[4]!;
    await f.app.inject({ method: 'PUT', url: `/v1/items/${last}`, payload: { boost: 1 }, headers: key });
    const after = await beside(5);
    expect(after.map((i) => i.itemId)).toEqual([last, ...before.slice(0, 4)]);
    expect(after.filter((i) => i.promoted === true).map((i) => i.itemId)).toEqual([last]);
    expect((await beside(2)).map((i) => i.itemId)).toEqual([last, before[0]]);
    await f.app.inject({ method: 'PUT', url: `/v1/items/${last}`, payload: {}, headers: key });
    expect((await beside(5)).map((i) => i.itemId)).toEqual(before);
  });

  it('DELETE marks the item unavailable and tombstones its embedding', async () => {
    const res = await f.app.inject({ method: 'DELETE', url: '/v1/items/i8', headers: key });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ itemId: 'i8', removed: true });
    expect(f.removedEmbeddings).toEqual(['i8']);
    expect(f.catalog.isAvailable('i8')).toBe(false);
    const recs = await f.app.inject({ url: '/v1/users/alice/recommendations?k=20' });
    expect(recs.json().items.map((i: { itemId: string }) => i.itemId)).not.toContain('i8');
    expectClientError(await f.app.inject({ method: 'DELETE', url: '/v1/items/never', headers: key }), 404, /not in the index/);
  });

  it('answers a retryable 503 when Redis does not take the write, or is known to be down', async () => {
    f.catalogStoreFails.value = true;
    for (const req of [{ method: 'PUT' as const, payload: { available: false } }, { method: 'DELETE' as const }]) {
      const res = await f.app.inject({ ...req, url: '/v1/items/i2', headers: key });
      expect(res.statusCode, req.method).toBe(503);
      expect(res.json(), req.method).toMatchObject({ error: 'REDIS_UNAVAILABLE', hint: expect.stringMatching(/retry/) });
      expect(res.headers['retry-after'], req.method).toBeDefined();
    }
    f.catalogStoreFails.value = false;
    f.health.report = { state: 'degraded', checks: { index: true, feed: true, redis: false, kafka: true } };
    const known = await f.app.inject({ method: 'PUT', url: '/v1/items/i2', payload: { available: false }, headers: key });
    expect(known.statusCode).toBe(503);
    expect(f.catalog.isAvailable('i2')).toBe(true);
  });

  it('rejects bad bodies with 400: unknown fields, wrong types, bad JSON, bad category', async () => {
    const put = (payload: string) =>
      f.app.inject({ method: 'PUT', url: '/v1/items/i2', payload, headers: { ...key, 'content-type': 'application/json' } });
    expectClientError(await put('{"available":"maybe"}'), 400, /body.available must be boolean/);
    // A type error is a 400, never coerced: "false" would otherwise become false and 5 "5".
    expectClientError(await put('{"available":"false"}'), 400, /body.available must be boolean/);
    expectClientError(await put('{"available":0}'), 400, /body.available must be boolean/);
    expectClientError(await put('{"title":5}'), 400, /body.title must be string/);
    expectClientError(await put('{"price":3}'), 400, /must NOT have additional properties/);
    expectClientError(await put('{"title":'), 400, /JSON/);
    expectClientError(await put('{"category":"a b"}'), 400, /category has characters outside/);
    expectClientError(await put('{"boost":0}'), 400, /body.boost must be > 0/);
    expectClientError(await put('{"boost":1.5}'), 400, /body.boost must be <= 1/);
    expectClientError(await put('{"boost":"0.5"}'), 400, /body.boost must be number/);
    expectClientError(await put('{"boost":0.5,"boostUntilMs":-1}'), 400, /body.boostUntilMs must be >= 0/);
  });
});

describe('POST /v1/events', () => {
  const post = (payload: unknown, headers: Record<string, string> = key) =>
    f.app.inject({ method: 'POST', url: '/v1/events', payload: payload as object, headers });

  it('accepts one event and a batch with 202 and the accepted ids', async () => {
    const one = event({ eventId: 'e1' });
    let res = await post(one);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: ['e1'], rejected: [] });
    res = await post([event({ eventId: 'e2' }), event({ eventId: 'e3', type: 'purchase', value: 9.5 })]);
    expect(res.json().accepted).toEqual(['e2', 'e3']);
    expect(f.sent.map((e) => e.eventId)).toEqual(['e1', 'e2', 'e3']);
  });

  it('keeps the good events of a mixed batch and reports the bad ones by index', async () => {
    const res = await post([event({ eventId: 'g1' }), { ...event(), ts: 1_700_000_000 }, 'junk', event({ eventId: 'g2' }), { ...event(), type: 'like' }]);
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.accepted).toEqual(['g1', 'g2']);
    expect(body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2, 4]);
    expect(body.rejected[0].reason).toMatch(/seconds instead of ms/);
    expect(body.rejected[2].reason).toMatch(/type must be one of/);
    expect(f.sent.map((e) => e.eventId)).toEqual(['g1', 'g2']);
  });

  it('answers 400 with every reason when all events are bad, and sends nothing', async () => {
    const res = await post([{ ...event(), userId: '' }, { ...event(), eventId: 'x y' }]);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('BAD_EVENT');
    expect(res.json().rejected).toHaveLength(2);
    expect(res.json().message).toMatch(/userId must not be empty.*eventId has characters outside/);
    expect(f.sent).toHaveLength(0);
    expectClientError(await post([]), 400, /body must be one event \(a JSON object\) or a non-empty JSON array/);
    const text = await f.app.inject({ method: 'POST', url: '/v1/events', payload: 'hello', headers: { ...key, 'content-type': 'text/plain' } });
    expectClientError(text, 400, /body must be one event/);
  });

  it('rejects bad JSON, oversized bodies and missing or wrong keys', async () => {
    const bad = await f.app.inject({ method: 'POST', url: '/v1/events', payload: '{"eventId":', headers: { ...key, 'content-type': 'application/json' } });
    expectClientError(bad, 400, /JSON/);
    const huge = Array.from({ length: 12_000 }, (_, i) => event({ eventId: `big-${i}`, itemId: 'x'.repeat(60) }));
    const big = await post(huge);
    expectClientError(big, 413, /too large/i);
    expect(JSON.parse(big.body).error).toBe('PAYLOAD_TOO_LARGE');
    expectClientError(await post(event(), {}), 401, /missing API key/);
    expectClientError(await post(event(), { 'x-api-key': `${API_KEY}x` }), 401, /wrong API key/);
    expect(f.sent).toHaveLength(0);
  });

  it('answers 503 at once, sending nothing, when Kafka is known to be down', async () => {
    f.health.report = { state: 'degraded', checks: { index: true, feed: true, redis: true, kafka: false } };
    const res = await post(event());
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: 'KAFKA_UNAVAILABLE', hint: expect.stringMatching(/retry/) });
    expect(f.sent).toHaveLength(0);
  });

  it('answers 503 (retryable) when Kafka does not take the events', async () => {
    f.kafkaFails.value = true;
    const res = await post(event());
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: 'KAFKA_UNAVAILABLE', accepted: [], unconfirmed: [] });
    expect(res.json().notSent).toHaveLength(1);
    expect(res.json().hint).toMatch(/retry/);
  });
});

describe('operations', () => {
  it('/healthz always, /readyz only when index, feed, Redis and Kafka are fine', async () => {
    expect((await f.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    let res = await f.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ready: true, state: 'running', indexSize: 40, modelVersion: 'v-test' });
    f.health.report = { state: 'degraded', checks: { index: true, feed: true, redis: false, kafka: true } };
    res = await f.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ ready: false, state: 'degraded', checks: { redis: false } });
    f.health.report = { state: 'starting', checks: { index: false, feed: true, redis: true, kafka: true } };
    expect((await f.app.inject({ url: '/readyz' })).statusCode).toBe(503);
    f.health.report = { state: 'starting', checks: { index: true, feed: false, redis: true, kafka: true } };
    res = await f.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ ready: false, state: 'starting', checks: { feed: false } });
  });

  it('/metrics has the latency histogram per route, fallbacks and underfills', async () => {
    await f.app.inject({ url: '/v1/users/nobody/recommendations?k=3&category=c1' });
    await f.app.inject({ url: '/v1/users/alice/recommendations?k=3' });
    const res = await f.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toMatch(/streamrec_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/users\/:userId\/recommendations"/);
    expect(res.body).toMatch(/streamrec_recommend_fallbacks_total\{reason="cold"\} 1/);
    expect(res.body).toMatch(/streamrec_recommend_underfilled_items_total 2/);
  });

  it('unknown routes get a JSON 404; the page and the OpenAPI document are served', async () => {
    expectClientError(await f.app.inject({ url: '/v2/nothing' }), 404, /no route GET \/v2\/nothing/);
    const page = await f.app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const spec = await f.app.inject({ url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
    const paths = Object.keys(spec.json().paths);
    for (const p of ['/v1/users/{userId}/recommendations', '/v1/items/{itemId}/similar', '/v1/users/{userId}', '/v1/items/{itemId}', '/v1/events', '/v1/map']) {
      expect(paths).toContain(p);
    }
    expect((await f.app.inject({ url: '/docs/' })).statusCode).toBe(200);
  });

  it('/v1/map places items, the user and the recommended items in 2-D', async () => {
    const res = await f.app.inject({ url: '/v1/map?userId=alice&k=3' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.points).toHaveLength(40);
    expect(body.sampled).toBe(false);
    expect(body.user).toMatchObject({ userId: 'alice' });
    expect(body.recommended).toHaveLength(3);
    expect(body.explainedVariance[0]).toBeGreaterThan(body.explainedVariance[1]);
    // Axis-0 items cluster: the recommended ones sit nearer the user than the axis-2 items do.
    const dist = (p: { x: number; y: number }) => Math.hypot(p.x - body.user.x, p.y - body.user.y);
    const far = body.points.filter((p: { itemId: string }) => Number(p.itemId.slice(1)) % DIM === 2);
    expect(Math.max(...body.recommended.map(dist))).toBeLessThan(Math.min(...far.map(dist)));
  });
});

describe('/v1/map on a large index', () => {
  it('samples evenly and still places the user', async () => {
    const small = await createFixture({ HTTP_MAP_SAMPLE_SIZE: '10' });
    try {
      const body = (await small.app.inject({ url: '/v1/map?userId=alice&k=2' })).json();
      expect(body).toMatchObject({ sampled: true, indexSize: 40 });
      expect(body.points).toHaveLength(10);
      // Every fourth of the 40, from the first to the last stretch of the index.
      expect(body.points.map((p: { itemId: string }) => p.itemId)).toEqual(Array.from({ length: 10 }, (_, i) => `i${i * 4}`));
      expect(body.user).not.toBeNull();
      expect(body.recommended).toHaveLength(2);
    } finally {
      await small.close();
    }
  });
});

describe('security configuration', () => {
  it('keys reads when READS_REQUIRE_API_KEY is set, and refuses writes when no key is configured', async () => {
    const keyed = await createFixture({ READS_REQUIRE_API_KEY: 'true' });
    try {
      expectClientError(await keyed.app.inject({ url: '/v1/users/alice/recommendations' }), 401, /missing API key/);
      expect((await keyed.app.inject({ url: '/v1/users/alice/recommendations', headers: key })).statusCode).toBe(200);
      expect((await keyed.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      // The API description is a read too; /readyz keeps answering probes, with its details for keyed requests only.
      for (const url of ['/docs', '/docs/', '/docs/json', '/docs/yaml']) {
        expect((await keyed.app.inject({ url })).statusCode, url).toBe(401);
      }
      expect((await keyed.app.inject({ url: '/docs/json', headers: key })).statusCode).toBe(200);
      const probe = await keyed.app.inject({ url: '/readyz' });
      expect(probe.statusCode).toBe(200);
      expect(probe.json()).toEqual({ ready: true });
      expect((await keyed.app.inject({ url: '/readyz', headers: { 'x-api-key': 'guess' } })).json()).toEqual({ ready: true });
      expect((await keyed.app.inject({ url: '/readyz', headers: key })).json()).toMatchObject({ ready: true, state: 'running', indexSize: 40 });
    } finally {
      await keyed.close();
    }
    const open = await createFixture({ API_KEY: '' });
    try {
      expectClientError(await open.app.inject({ method: 'DELETE', url: '/v1/items/i1', headers: key }), 401, /none is configured/);
    } finally {
      await open.close();
    }
  });

  it('sends security headers on the page, /docs and the API', async () => {
    for (const url of ['/', '/docs/', '/docs/json', '/v1/items/i1', '/v2/nothing']) {
      const res = await f.app.inject({ url });
      expect(res.headers, url).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
        'referrer-policy': 'no-referrer',
      });
    }
  });

  it('keeps a plain x-request-id of at most 128 characters, and replaces any other', async () => {
    const idOf = async (id: string) => (await f.app.inject({ url: '/healthz', headers: { 'x-request-id': id } })).headers['x-request-id'];
    expect(await idOf('trace-42:abc')).toBe('trace-42:abc');
    expect(await idOf('a'.repeat(128))).toBe('a'.repeat(128));
    for (const bad of ['a'.repeat(129), 'x'.repeat(100_000), 'has space', '<script>', '{"json":1}', '']) {
      expect(await idOf(bad), bad.slice(0, 20)).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('rate-limits wrong API keys per client, far below the request limit', async () => {
    const wrong = { 'x-api-key': 'guess' };
    const statuses: number[] = [];
    for (let i = 0; i < 320; i++) statuses.push((await f.app.inject({ method: 'DELETE', url: '/v1/items/i1', headers: wrong })).statusCode);
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
    // The right key does not get through either (the answers must not tell a guess apart)...
    const right = await f.app.inject({ method: 'PUT', url: '/v1/items/i1', payload: {}, headers: key });
    expectClientError(right, 429, /too many wrong API keys/);
    expect(right.json().error).toBe('RATE_LIMITED');
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    // ...while another client is not affected.
    const other = await f.app.inject({ method: 'PUT', url: '/v1/items/i1', payload: {}, headers: key, remoteAddress: '10.0.0.2' });
    expect(other.statusCode).toBe(200);
  });

  it('rate-limits per client with a 429', async () => {
    const limited = await createFixture({ RATE_LIMIT_PER_MINUTE: '3' });
    try {
      for (let i = 0; i < 3; i++) expect((await limited.app.inject({ url: '/v1/items/i1' })).statusCode).toBe(200);
      const res = await limited.app.inject({ url: '/v1/items/i1' });
      expect(res.statusCode).toBe(429);
      expect(res.json().error).toBe('RATE_LIMITED');
      expect((await limited.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

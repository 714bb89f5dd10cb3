import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, createFixture, type Fixture } from './fixture.ts';

// Below the fixture's 40 items, so an unbounded answer shows.
const MAX_K = 20;
const EDGES = ['1e400', '-1e400', '1e-400', '0x10', '0b11', '007', 'NaN', 'Infinity', '', ' 5', '+5', '5e0', '1.5', '-1', '0', '21', '99999999999999999999999', '9'.repeat(400)];

// Every route with a numeric query parameter, as a URL taking k.
const ROUTES = ['/v1/users/alice/recommendations', '/v1/items/i1/similar', '/v1/items/i1', '/v1/users/alice', '/v1/map?userId=alice'];

let f: Fixture;
beforeAll(async () => {
  f = await createFixture({ MAX_K: String(MAX_K), RATE_LIMIT_PER_MINUTE: '1000000' });
});
afterAll(async () => {
  await f.close();
});

function listedItems(body: Record<string, unknown>): unknown[] {
  return ['items', 'neighbours', 'nearestItems', 'recommended'].flatMap((field) => (Array.isArray(body[field]) ? (body[field] as unknown[]) : []));
}

describe('numeric query parameters at their edges', () => {
  it.each(ROUTES)('%s: never a 5xx, never more than MAX_K items, a 400 names k and its range', async (route) => {
    for (const k of EDGES) {
      for (const query of [`k=${encodeURIComponent(k)}`, `k=${encodeURIComponent(k)}&k=3`]) {
        const url = `${route}${route.includes('?') ? '&' : '?'}${query}`;
        const res = await f.app.inject({ url, headers: { 'x-api-key': API_KEY } });
        expect(res.statusCode, url).toBeLessThan(500);
        const body = res.json();
        if (res.statusCode === 200) {
          expect(listedItems(body).length, url).toBeLessThanOrEqual(MAX_K);
        } else {
          expect(res.statusCode, url).toBe(400);
          expect(body.message, url).toMatch(/^k must be an integer from 1 to 20,/);
        }
      }
    }
  });

  it('takes plain decimal k within the range, and nothing else', async () => {
    for (const route of ROUTES) {
      const sep = route.includes('?') ? '&' : '?';
      const ok = await f.app.inject({ url: `${route}${sep}k=7` });
      expect(ok.statusCode, route).toBe(200);
      for (const k of ['1e400', '0x10', '007', '1.5', '']) {
        expect((await f.app.inject({ url: `${route}${sep}k=${k}` })).statusCode, `${route} k=${k}`).toBe(400);
      }
    }
    const res = await f.app.inject({ url: '/v1/items/i1/similar?k=1e400' });
    expect(res.json()).toMatchObject({ error: 'BAD_REQUEST', message: 'k must be an integer from 1 to 20, got "1e400"' });
  });
});

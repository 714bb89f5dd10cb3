import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { itemHash } from '../../../src/core/item-hash.ts';
import { modelTag } from '../../../src/core/recommender.ts';
import type { UserState } from '../../../src/core/user-state.ts';
import { API_KEY, createFixture, NOW_MS, type Fixture } from './fixture.ts';

let f: Fixture;
beforeEach(async () => {
  f = await createFixture();
});
afterEach(async () => {
  await f.close();
});

// A stored ranking, as a learner would write it: axis-1 items (alice's taste is axis 0, so a
// search would never give these), best first, with its own scores.
const RANKED = Array.from({ length: 10 }, (_, j) => `i${37 - 4 * j}`);
const pool = (tag = 'v-test', n = RANKED.length) => ({ hashes: RANKED.slice(0, n).map(itemHash), scores: RANKED.slice(0, n).map((_, j) => 0.9 - j / 100), modelTag: modelTag(tag) });

async function storeAlice(change: (alice: UserState) => UserState): Promise<void> {
  const alice = (await f.users.get('alice'))!;
  const next = change(alice);
  next.position = { partition: 0, offset: (alice.position?.offset ?? 0) + 1 };
  await f.users.commit([next]);
}

const recommend = async (query = 'k=5') => (await f.app.inject({ url: `/v1/users/alice/recommendations?${query}` })).json() as { items: Array<{ itemId: string; score: number }> };
const candidates = async () => (await f.app.inject({ url: '/metrics' })).body.split('\n').filter((l) => l.startsWith('streamrec_recommend_candidates_total'));

describe('recommend with a stored candidate pool', () => {
  it('serves the stored ranking with its scores instead of searching, minus what the request filters, and counts the source', async () => {
    const searched = await recommend();
    expect(searched.items.map((i) => i.itemId).some((id) => RANKED.includes(id))).toBe(false);
    await storeAlice((a) => ({ ...a, pool: pool() }));
    const pooled = await recommend();
    expect(pooled.items.map((i) => i.itemId)).toEqual(RANKED.slice(0, 5));
    pooled.items.forEach((item, j) => expect(item.score).toBeCloseTo(0.9 - j / 100, 6));
    const filtered = await recommend(`k=3&exclude=${RANKED[0]}`);
    expect(filtered.items.map((i) => i.itemId)).toEqual(RANKED.slice(1, 4));
    for (const id of [RANKED[1]!, RANKED[3]!]) await f.catalog.put({ itemId: id, category: 'c9', available: true, updatedAtMs: NOW_MS });
    const category = await recommend('k=2&category=c9');
    expect(category.items.map((i) => i.itemId)).toEqual([RANKED[1], RANKED[3]]);
    expect(await candidates()).toEqual(['streamrec_recommend_candidates_total{source="search"} 1', 'streamrec_recommend_candidates_total{source="pool"} 3']);
  });

  it('an item made unavailable after the pool was stored is not served from it', async () => {
    await storeAlice((a) => ({ ...a, pool: pool() }));
    const put = await f.app.inject({ method: 'PUT', url: `/v1/items/${RANKED[0]}`, headers: { 'x-api-key': API_KEY }, payload: { available: false } });
    expect(put.statusCode).toBe(200);
    expect((await recommend('k=3')).items.map((i) => i.itemId)).toEqual(RANKED.slice(1, 4));
    expect(await candidates()).toEqual(['streamrec_recommend_candidates_total{source="pool"} 1']);
  });

  it('a ranking stored under a refit aligned onto the served model (its lineage) is served; another item space is not', async () => {
    // The API serves 'v-test'; the learner stored this ranking under a refit of it.
    await storeAlice((a) => ({ ...a, pool: pool('v-test~v1764500000000') }));
    expect((await recommend()).items.map((i) => i.itemId)).toEqual(RANKED.slice(0, 5));
    await storeAlice((a) => ({ ...a, pool: pool('v-other~v1764500000000') }));
    expect((await recommend()).items.map((i) => i.itemId).some((id) => RANKED.includes(id))).toBe(false);
    expect(await candidates()).toEqual(['streamrec_recommend_candidates_total{source="pool"} 1', 'streamrec_recommend_candidates_total{source="search"} 1']);
  });

  it('searches when the pool is of another model, older than RECOMMEND_POOL_MAX_AGE_MS, or too small for k', async () => {
    const searched = (await recommend()).items.map((i) => i.itemId);
    await storeAlice((a) => ({ ...a, pool: pool('v-old') }));
    expect((await recommend()).items.map((i) => i.itemId)).toEqual(searched);
    // Written 10 min + 1 ms ago (the default limit is 10 min).
    await storeAlice((a) => ({ ...a, updatedAtMs: NOW_MS - 600_001, pool: pool() }));
    expect((await recommend()).items.map((i) => i.itemId)).toEqual(searched);
    // Three entries cannot make five.
    await storeAlice((a) => ({ ...a, updatedAtMs: NOW_MS - 1000, pool: pool('v-test', 3) }));
    expect((await recommend()).items.map((i) => i.itemId)).toEqual(searched);
    expect(await candidates()).toEqual(['streamrec_recommend_candidates_total{source="search"} 4']);
  });

  it('GET /v1/users/:userId shows the stored ranking and whether recommend serves it', async () => {
    expect((await f.app.inject({ url: '/v1/users/alice' })).json().storedRanking).toBeNull();
    await storeAlice((a) => ({ ...a, pool: { ...pool(), hashes: [...pool().hashes.slice(0, 2), itemHash('not-indexed')], scores: [0.9, 0.89, 0.5] } }));
    const view = (await f.app.inject({ url: '/v1/users/alice' })).json();
    expect(view.storedRanking).toEqual({
      items: [
        { itemId: RANKED[0], score: expect.closeTo(0.9, 6) },
        { itemId: RANKED[1], score: expect.closeTo(0.89, 6) },
        { itemId: null, score: 0.5 },
      ],
      served: true,
    });
    await storeAlice((a) => ({ ...a, pool: pool('v-old') }));
    expect((await f.app.inject({ url: '/v1/users/alice' })).json().storedRanking.served).toBe(false);
  });
});

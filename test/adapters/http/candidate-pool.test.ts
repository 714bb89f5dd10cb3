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

// Every item of the fixture's catalog, as a learner's pool would list them (a superset of any
// search's answer, so the pool must rank exactly like the search).
const ALL = Array.from({ length: 40 }, (_, i) => itemHash(`i${i}`));

async function storeAlice(change: (alice: UserState) => UserState): Promise<void> {
  const alice = (await f.users.get('alice'))!;
  const next = change(alice);
  next.position = { partition: 0, offset: (alice.position?.offset ?? 0) + 1 };
  await f.users.commit([next]);
}

const recommend = async (query = 'k=5') => (await f.app.inject({ url: `/v1/users/alice/recommendations?${query}` })).json() as { items: Array<{ itemId: string; score: number }> };
const candidates = async () => (await f.app.inject({ url: '/metrics' })).body.split('\n').filter((l) => l.startsWith('streamrec_recommend_candidates_total'));

describe('recommend with a stored candidate pool', () => {
  it('ranks the pool instead of searching, answers exactly like the search, and counts the source', async () => {
    const searched = await recommend();
    await storeAlice((a) => ({ ...a, pool: { hashes: ALL, modelTag: modelTag('v-test') } }));
    const pooled = await recommend();
    expect(pooled.items.map((i) => i.itemId)).toEqual(searched.items.map((i) => i.itemId));
    pooled.items.forEach((item, i) => expect(item.score).toBeCloseTo(searched.items[i]!.score, 5));
    // Request filters still apply to the pool.
    const filtered = await recommend(`k=3&exclude=${pooled.items[0]!.itemId}`);
    expect(filtered.items.map((i) => i.itemId)).toEqual(pooled.items.slice(1, 4).map((i) => i.itemId));
    expect(await candidates()).toEqual(['streamrec_recommend_candidates_total{source="search"} 1', 'streamrec_recommend_candidates_total{source="pool"} 2']);
  });

  it('an item made unavailable after the pool was stored is not served from it', async () => {
    await storeAlice((a) => ({ ...a, pool: { hashes: ALL, modelTag: modelTag('v-test') } }));
    const first = (await recommend('k=3')).items[0]!.itemId;
    const put = await f.app.inject({ method: 'PUT', url: `/v1/items/${first}`, headers: { 'x-api-key': API_KEY }, payload: { available: false } });
    expect(put.statusCode).toBe(200);
    const after = await recommend('k=3');
    expect(after.items.map((i) => i.itemId)).not.toContain(first);
    expect(after.items).toHaveLength(3);
    expect(await candidates()).toEqual(['streamrec_recommend_candidates_total{source="pool"} 2']);
  });

  it('searches when the pool is of another model, older than RECOMMEND_POOL_MAX_AGE_MS, or too small for k', async () => {
    // Of another model version.
    await storeAlice((a) => ({ ...a, pool: { hashes: ALL, modelTag: modelTag('v-old') } }));
    await recommend();
    // Written 10 min + 1 ms ago (the default limit is 10 min).
    await storeAlice((a) => ({ ...a, updatedAtMs: NOW_MS - 600_001, pool: { hashes: ALL, modelTag: modelTag('v-test') } }));
    await recommend();
    // Three candidates cannot make five.
    await storeAlice((a) => ({ ...a, updatedAtMs: NOW_MS - 1000, pool: { hashes: ALL.slice(0, 3), modelTag: modelTag('v-test') } }));
    expect((await recommend()).items).toHaveLength(5);
    expect(await candidates()).toEqual(['streamrec_recommend_candidates_total{source="search"} 3']);
  });
});

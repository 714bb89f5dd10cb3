import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { createOnlineModel } from '../../src/core/online-model.ts';
import { onlineModelParamsFrom } from '../../src/core/online-model-params.ts';
import { clusterOf, plantedEvents } from './planted.ts';

const config = loadConfig({ EMBEDDING_DIM: '16' });
const params = { ...onlineModelParamsFrom(config.model), refit: { ...onlineModelParamsFrom(config.model).refit, firstAfterEvents: 500 } };

describe('online model (test-then-learn)', () => {
  const events = plantedEvents({ users: 200, clusters: 5, perCluster: 30, perUser: 25, noise: 0.05, seed: 3 });

  it('learns the planted tastes: far better than chance and than popularity, with refits', () => {
    const model = createOnlineModel(params);
    let hits = 0;
    let cases = 0;
    let sameCluster = 0;
    let recommended = 0;
    events.forEach((e, i) => {
      if (i > events.length / 2) {
        const rec = model.recommend(e.userId, 10);
        cases++;
        if (rec.items.some((r) => r.itemId === e.itemId)) hits++;
        for (const r of rec.items.filter((x) => x.source === 'model')) {
          recommended++;
          if (clusterOf(r.itemId) === `c${Number(e.userId.slice(1)) % 5}`) sameCluster++;
        }
      }
      model.learn(e);
    });
    expect(model.refits).toBeGreaterThan(1);
    // Chance: 10 of ~150 items ≈ 0.07; a user's cluster holds 30 items, 10 of them ≈ 0.3.
    expect(hits / cases).toBeGreaterThan(0.2);
    expect(sameCluster / recommended).toBeGreaterThan(0.9);
  });

  it('a brand-new item gets an embedding from its first co-occurrence and becomes recommendable', () => {
    const model = createOnlineModel(params);
    for (const e of events) model.learn(e);
    const ts = events.at(-1)!.ts + 1000;
    const fan = 'u0';
    const fresh: ClickEvent = { eventId: 'new-1', userId: fan, itemId: 'c0-brand-new', type: 'purchase', ts };
    expect(model.index.has('c0-brand-new')).toBe(false);
    const updates = model.learn(fresh);
    expect(updates.map((u) => u.itemId)).toContain('c0-brand-new');
    expect(updates.find((u) => u.itemId === 'c0-brand-new')!.source).toBe('online');
    expect(model.index.has('c0-brand-new')).toBe(true);
    // Its nearest neighbours are the cluster it appeared in.
    const near = model.index.search(model.index.vectorOf('c0-brand-new')!, 6, (id) => id !== 'c0-brand-new');
    expect(near.filter((n) => clusterOf(n.itemId) === 'c0').length).toBeGreaterThanOrEqual(5);
  });

  it('cold users get trending, new users get personal lists after one event', () => {
    const model = createOnlineModel(params);
    for (const e of events) model.learn(e);
    const cold = model.recommend('nobody', 5);
    expect(cold.fallback).toBe(true);
    expect(cold.items.every((i) => i.source === 'trending')).toBe(true);
    model.learn({ eventId: 'x', userId: 'newbie', itemId: 'c3-i1', type: 'click', ts: events.at(-1)!.ts + 1 });
    const warm = model.recommend('newbie', 5);
    expect(warm.fallback).toBe(false);
    expect(warm.items.filter((i) => clusterOf(i.itemId) === 'c3').length).toBeGreaterThanOrEqual(4);
    expect(warm.items.map((i) => i.itemId)).not.toContain('c3-i1');
  });

  it('served from stored rankings (as the API serves): a pool per learned user, used while fresh and of the current item space, same hit rate', () => {
    const pooled = createOnlineModel(params, undefined, { size: 20, maxAgeMs: 600_000 });
    const plain = createOnlineModel(params);
    let overlap = 0;
    let cases = 0;
    let hitsPooled = 0;
    let hitsPlain = 0;
    let fromPool = 0;
    for (const [i, e] of events.entries()) {
      if (i > events.length / 2) {
        const served = pooled.recommend(e.userId, 10);
        if (served.candidates === 'pool') fromPool++;
        const a = served.items.map((r) => r.itemId);
        const b = plain.recommend(e.userId, 10).items.map((r) => r.itemId);
        cases++;
        overlap += a.filter((id) => b.includes(id)).length / b.length;
        if (a.includes(e.itemId)) hitsPooled++;
        if (b.includes(e.itemId)) hitsPlain++;
      }
      pooled.learn(e);
      plain.learn(e);
    }
    const last = events[events.length - 1]!;
    const pool = pooled.user(last.userId)!.pool!;
    expect(pool.hashes).toHaveLength(20);
    expect(pooled.user(last.userId)!.updatedAtMs).toBe(last.ts);
    // The stored ranking is what the model gave when it was stored, so lists differ where the
    // index, trending or the co-visitation rules (other users' events teach them too) moved
    // between a user's events: the order of near-equal items changes, the items hardly do.
    // Refits are aligned onto the item space the ranking was made in, so it stays in use
    // (measured: 96% of the items the same, 100% from pools, hit rates 0.341 vs 0.338).
    expect(overlap / cases).toBeGreaterThan(0.9);
    expect(fromPool / cases).toBeGreaterThan(0.95);
    expect(pooled.refits).toBeGreaterThan(1);
    expect(Math.abs(hitsPooled - hitsPlain) / cases).toBeLessThan(0.01);
    // Past the age limit (event time), the pool is not served: the answer is the search's.
    pooled.learn({ ...last, eventId: 'late', userId: 'someone-else', ts: last.ts + 600_001 });
    plain.learn({ ...last, eventId: 'late', userId: 'someone-else', ts: last.ts + 600_001 });
    const stale = pooled.recommend(last.userId, 10);
    expect(stale.candidates).toBe('search');
    expect(stale.items).toEqual(plain.recommend(last.userId, 10).items);
  });
});

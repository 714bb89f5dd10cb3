import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { createOnlineModel, onlineModelParamsFrom } from '../../src/core/online-model.ts';
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
});

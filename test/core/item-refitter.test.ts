import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { indexVectorOf } from '../../src/core/item-space.ts';
import { createItemRefitter, createRecentHistories, nextRefitAfter, observeWithHistory } from '../../src/core/item-refitter.ts';
import { createCoVisitation, positiveSequence } from '../../src/core/co-visitation.ts';
import { appendEventId, isDuplicateEvent } from '../../src/core/learner.ts';
import { createOnlineModel } from '../../src/core/online-model.ts';
import { onlineModelParamsFrom } from '../../src/core/online-model-params.ts';
import { clusterOf, plantedEvents } from './planted.ts';

const config = loadConfig({ EMBEDDING_DIM: '16', HISTORY_CAP: '12' });
const base = onlineModelParamsFrom(config.model);
const params = { ...base, refit: { ...base.refit, firstAfterEvents: 300 } };
const refitterParams = { dim: params.learner.dim, weights: params.learner.weights, cooccurrence: params.cooccurrence, coVisitation: params.coVisitation, refit: params.refit };

/** Planted clicks with some negative events mixed in (they take history slots but add no co-occurrence). */
function events(): ClickEvent[] {
  const out = plantedEvents({ users: 120, clusters: 4, perCluster: 25, perUser: 30, noise: 0.05, seed: 11 });
  const typed = out.map((e, i) => (i % 17 === 5 ? { ...e, type: 'dislike' as const } : i % 23 === 7 ? { ...e, type: 'purchase' as const } : e));
  // Client retries (the same eventId again), which both must skip, and twins (same item, type and
  // millisecond under another eventId: a second real event), which both must count.
  return typed.flatMap((e, i) => (i % 29 === 3 ? [e, { ...e }] : i % 31 === 4 ? [e, { ...e, eventId: `${e.eventId}-twin` }] : [e]));
}

/** What the refit worker does per event: the user's history before it, observe, append, refit when due. */
function replayLikeWorker(stream: readonly ClickEvent[], maxUsers = 1_000_000) {
  const refitter = createItemRefitter(refitterParams);
  const histories = createRecentHistories(config.model.historyCap, maxUsers, config.model.eventIdWindow);
  const refits: Array<Map<string, Float32Array>> = [];
  for (const e of stream) {
    observeWithHistory(refitter, histories, e);
    if (refitter.due) refits.push(new Map([...refitter.refit().vectors].map(([id, f]) => [id, indexVectorOf(f)])));
  }
  return { refitter, refits };
}

describe('item refitter (shared by the online model and the refit worker)', () => {
  it('refits exactly what createOnlineModel refits on the same events, on the same schedule', () => {
    const stream = events();
    const model = createOnlineModel(params);
    const fromModel: Array<Map<string, Float32Array>> = [];
    for (const e of stream) {
      const trained = model.learn(e).filter((u) => u.source === 'train');
      if (trained.length > 0) fromModel.push(new Map(trained.map((u) => [u.itemId, u.vector])));
    }
    const { refitter, refits } = replayLikeWorker(stream);
    const retries = stream.length - new Set(stream.map((e) => e.eventId)).size;
    expect(retries).toBeGreaterThan(50);
    expect(stream.filter((e) => e.eventId.endsWith('-twin')).length).toBeGreaterThan(50);
    expect(refitter.eventsSeen).toBe(stream.length - retries);
    expect(model.refits).toBeGreaterThanOrEqual(3);
    expect(refitter.refits).toBe(model.refits);
    expect(refits.length).toBe(fromModel.length);
    refits.forEach((vectors, r) => {
      const expected = fromModel[r]!;
      expect([...vectors.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [id, v] of vectors) expect(Array.from(v)).toEqual(Array.from(expected.get(id)!));
    });
  });

  it('follows the schedule: first after firstAfterEvents, then growing, capped', () => {
    const p = { ...params.refit, firstAfterEvents: 100, growth: 2, maxEveryEvents: 1000, maxEveryEventsPerItem: 1 };
    expect(nextRefitAfter(0, p)).toBe(100);
    expect(nextRefitAfter(100, p)).toBe(200);
    expect(nextRefitAfter(800, p)).toBe(1600);
    expect(nextRefitAfter(5000, p)).toBe(6000);
    // A catalogue larger than the gap stretches it to one event per item seen.
    expect(nextRefitAfter(5000, p, 400)).toBe(6000);
    expect(nextRefitAfter(5000, p, 3000)).toBe(8000);
    expect(nextRefitAfter(800, p, 3000)).toBe(1600);
    const { refitter } = replayLikeWorker(events().slice(0, 1000));
    // 300, 600 (300·2), 1200 not reached yet.
    expect(refitter.refits).toBe(2);
    expect(refitter.nextRefitAt).toBe(1200);
  });

  it('planted clusters come out as neighbourhoods, and a refit aligns onto the anchor', () => {
    const stream = events();
    const { refitter, refits } = replayLikeWorker(stream);
    const last = refits.at(-1)!;
    const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    let same = 0;
    let total = 0;
    for (const [id, v] of last) {
      const nearest = [...last].filter(([o]) => o !== id).sort((a, b) => cosine(v, b[1]) - cosine(v, a[1])).slice(0, 5);
      for (const [o] of nearest) {
        total++;
        if (clusterOf(o) === clusterOf(id)) same++;
      }
    }
    expect(same / total).toBeGreaterThan(0.9);

    // A restarted worker: fresh co-occurrence from the same events, anchored on the served factors.
    const anchored = createItemRefitter(refitterParams);
    const unanchored = createItemRefitter(refitterParams);
    const h2 = createRecentHistories(config.model.historyCap, 1_000_000, config.model.eventIdWindow);
    for (const e of stream) {
      anchored.observe(e, h2.of(e.userId));
      unanchored.observe(e, h2.of(e.userId));
      h2.append(e);
    }
    anchored.anchor(refitter.trained, refitter.eventsSeen);
    expect(anchored.nextRefitAt).toBe(nextRefitAfter(refitter.eventsSeen, params.refit, refitter.cooccurrence.itemCount));
    const distance = (vectors: ReadonlyMap<string, Float32Array>) => {
      let sum = 0;
      for (const [id, f] of vectors) {
        const prev = refitter.trained.get(id);
        if (prev) sum += f.reduce((s, x, i) => s + (x - prev[i]!) ** 2, 0);
      }
      return sum;
    };
    const alignedResult = anchored.refit();
    const rawResult = unanchored.refit();
    expect(distance(alignedResult.vectors)).toBeLessThan(distance(rawResult.vectors) / 10);
    // Which is what decides whether a refit's version carries on the item space (model-version.ts).
    expect(alignedResult.aligned).toBe(true);
    expect(rawResult.aligned).toBe(false);
  });

  it('learns the co-visitation rules per event as the online model did (positive sequence before the event, retries skipped), and reports exactly the rows that changed', () => {
    const stream = events();
    const refitter = createItemRefitter({ ...refitterParams, trackRuleChanges: true });
    const histories = createRecentHistories(config.model.historyCap, 1_000_000, config.model.eventIdWindow);
    // The reference: a plain loop over user states, as the online model learns.
    const reference = createCoVisitation(params.coVisitation);
    const users = new Map<string, { history: Array<{ itemId: string; type: ClickEvent['type']; ts: number }>; eventIds: number[] }>();
    // A row without rules (an item only ever seen first) is nothing to publish.
    const rowsOf = (items: Iterable<string>) =>
      new Map([...items].map((id) => [id, JSON.stringify(refitter.coVisitation.rowOf(id)?.ids.length ? refitter.coVisitation.rowOf(id) : null)]));
    let checked = 0;
    for (const [i, e] of stream.entries()) {
      const user = users.get(e.userId) ?? { history: [], eventIds: [] };
      if (!isDuplicateEvent(user, e)) {
        user.eventIds = appendEventId(user.eventIds, e, config.model.eventIdWindow);
        if (params.learner.weights[e.type] > 0) reference.observe(e.itemId, positiveSequence(user.history, params.learner.weights, params.coVisitation.window));
        user.history = [...user.history, { itemId: e.itemId, type: e.type, ts: e.ts }].slice(-config.model.historyCap);
        users.set(e.userId, user);
      }
      const watched = i % 50 === 0 ? [...new Set(stream.slice(0, i + 1).map((x) => x.itemId))] : [];
      const before = rowsOf(watched);
      if (watched.length > 0) refitter.takeChangedRules(Number.MAX_SAFE_INTEGER);
      observeWithHistory(refitter, histories, e);
      if (watched.length === 0) continue;
      const after = rowsOf(watched);
      const changed = refitter.takeChangedRules(Number.MAX_SAFE_INTEGER).sort();
      expect(changed).toEqual(watched.filter((id) => before.get(id) !== after.get(id)).sort());
      checked += changed.length;
    }
    expect(checked).toBeGreaterThan(20);
    expect(refitter.coVisitation.items).toBe(reference.items);
    for (const id of new Set(stream.map((e) => e.itemId))) expect(refitter.coVisitation.rowOf(id)).toEqual(reference.rowOf(id));
  });

  it('hands out changed rows oldest first, at most `limit` at a time, and tracks nothing unless asked', () => {
    const ev = (itemId: string, n: number): ClickEvent => ({ eventId: `e${n}`, userId: 'u', itemId, type: 'click', ts: 1_700_000_000_000 + n });
    const tracking = createItemRefitter({ ...refitterParams, trackRuleChanges: true });
    const quiet = createItemRefitter(refitterParams);
    const histories = createRecentHistories(config.model.historyCap, 10, config.model.eventIdWindow);
    const quietHistories = createRecentHistories(config.model.historyCap, 10, config.model.eventIdWindow);
    ['a', 'b', 'c', 'a'].forEach((id, n) => {
      observeWithHistory(tracking, histories, ev(id, n));
      observeWithHistory(quiet, quietHistories, ev(id, n));
    });
    // a (first), b → a → b ... : a→b, b→a; then c with b, a; then a again with c, b.
    expect(tracking.pendingRuleChanges).toBe(3);
    expect(tracking.takeChangedRules(2)).toEqual(['a', 'b']);
    expect(tracking.takeChangedRules(2)).toEqual(['c']);
    expect(tracking.takeChangedRules(2)).toEqual([]);
    expect(quiet.pendingRuleChanges).toBe(0);
    expect(quiet.coVisitation.rowOf('a')).toEqual(tracking.coVisitation.rowOf('a'));
  });

  it('skips a resent eventId past the history cap, within the eventId window, and never a twin under another eventId', () => {
    const refitter = createItemRefitter(refitterParams);
    const histories = createRecentHistories(2, 10, 8);
    const ev = (n: number, eventId = `e${n}`): ClickEvent => ({ eventId, userId: 'u', itemId: `i${n % 3}`, type: 'click', ts: 1_700_000_000_000 + n });
    for (let n = 0; n < 6; n++) expect(observeWithHistory(refitter, histories, ev(n))).toBe(true);
    // e0 left the 2-entry history long ago; the 8-entry eventId window still holds it.
    expect(observeWithHistory(refitter, histories, ev(0))).toBe(false);
    expect(observeWithHistory(refitter, histories, ev(5, 'e5-twin'))).toBe(true);
    for (let n = 6; n < 14; n++) observeWithHistory(refitter, histories, ev(n));
    // Past the window: e1 counts again (the stated limit of the rule).
    expect(observeWithHistory(refitter, histories, ev(1))).toBe(true);
    expect(refitter.eventsSeen).toBe(6 + 1 + 8 + 1);
  });

  it('keeps at most maxUsers histories (least recently active forgotten) and caps each', () => {
    const histories = createRecentHistories(3, 2, 4);
    const ev = (userId: string, itemId: string, n: number): ClickEvent => ({ eventId: `${userId}-${n}`, userId, itemId, type: 'click', ts: 1_700_000_000_000 + n });
    for (let n = 0; n < 5; n++) histories.append(ev('a', `i${n}`, n));
    histories.append(ev('b', 'x', 10));
    histories.append(ev('a', 'i5', 11));
    histories.append(ev('c', 'y', 12));
    expect(histories.users).toBe(2);
    expect(histories.of('a').map((h) => h.itemId)).toEqual(['i3', 'i4', 'i5']);
    expect(histories.of('b')).toEqual([]);
    expect(histories.of('c').map((h) => h.itemId)).toEqual(['y']);
  });
});

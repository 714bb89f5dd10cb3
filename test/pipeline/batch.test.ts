import { Registry } from 'prom-client';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { encodeEvent } from '../../src/adapters/kafka/codec.ts';
import { createMemoryUserStore } from '../../src/adapters/memory/user-store.ts';
import { createPipelineMetrics } from '../../src/adapters/metrics/pipeline-metrics.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import type { UserStateStore } from '../../src/core/stores.ts';
import { createUserState } from '../../src/core/user-state.ts';
import { appendEventId } from '../../src/core/learner.ts';
import { StreamrecError } from '../../src/errors.ts';
import { processBatch, type BatchDeps, type ConsumedMessage } from '../../src/pipeline/batch.ts';
import type { LearnerCore } from '../../src/pipeline/learner-core.ts';
import { createStepRunner } from '../../src/pipeline/retry.ts';
import type { DeadLetter, PipelineSink, RecommendationList } from '../../src/core/ports.ts';

const log = pino({ level: 'silent' });
const NOW = 1_750_000_000_000;

// A counting core: the vector's first component counts applied events, so a double
// apply or a skip shows up in the numbers.
const core: LearnerCore = {
  newState: (userId) => createUserState(userId, 2),
  applyEvent: (state, event, position, nowMs) => {
    if (event.itemId === 'boom') throw new Error('cannot learn from boom');
    const vector = Float32Array.from(state.vector);
    vector[0] = vector[0]! + 1;
    return { ...state, vector, eventCount: state.eventCount + 1, lastEventTs: event.ts, updatedAtMs: nowMs, history: [...state.history, { itemId: event.itemId, type: event.type, ts: event.ts }], position, eventIds: appendEventId(state.eventIds, event, 16) };
  },
  learnItems: () => [],
  withPool: (state) => ({ ...state, pool: { hashes: [state.eventCount], scores: [0.5], modelTag: 7 } }),
  recommend: (user) => [{ itemId: `rec-for-${user.userId}`, score: 1, source: 'model' }],
  modelVersion: () => 'test',
};

function sinkRecorder() {
  const out = { letters: [] as DeadLetter[], lists: [] as RecommendationList[] };
  const sink: PipelineSink = {
    deadLetters: async (l) => void out.letters.push(...l),
    recommendations: async (l) => void out.lists.push(...l),
    itemEmbeddings: async () => undefined,
  };
  return { out, sink };
}

function msg(offset: number, e: Partial<ClickEvent> & { userId: string }): ConsumedMessage {
  const event: ClickEvent = { eventId: `e${offset}`, itemId: `i${offset}`, type: 'click', ts: NOW - 10_000 + offset, ...e };
  return { key: Buffer.from(e.userId), value: encodeEvent(event, offset % 2 ? 'json' : 'msgpack'), offset: String(offset), timestamp: String(NOW) };
}

function deps(store: UserStateStore, sink: PipelineSink): BatchDeps {
  return { store, core, sink, metrics: createPipelineMetrics(new Registry()), maxEventBytes: 4096, clock: () => NOW, log };
}

const noRetry = createStepRunner(10, log, { onFault: () => undefined, onRecovered: () => undefined, keepAlive: async () => undefined, shouldContinue: () => true });

describe('processBatch', () => {
  const messages = [
    msg(0, { userId: 'a' }),
    msg(1, { userId: 'b' }),
    { key: Buffer.from('a'), value: Buffer.from('{nope'), offset: '2', timestamp: String(NOW) },
    msg(3, { userId: 'a' }),
    msg(4, { userId: 'a', itemId: 'boom' }),
    msg(5, { userId: 'a' }),
  ];

  it('applies each event once, dead-letters bad ones, publishes one list per changed user', async () => {
    const store = createMemoryUserStore();
    const { out, sink } = sinkRecorder();
    const r = await processBatch({ topic: 'cs', partition: 3, messages }, deps(store, sink), noRetry);
    expect(r).toMatchObject({ applied: 4, skipped: 0, deadLettered: 2, listsPublished: 2, lastOffset: '5' });
    const a = (await store.get('a'))!;
    expect(a.vector[0]).toBe(3);
    expect(a.position).toEqual({ partition: 3, offset: 5 });
    // The pool was attached before the commit, to the final state of the batch.
    expect(a.pool).toEqual({ hashes: [3], scores: [0.5], modelTag: 7 });
    expect(out.letters.map((l) => [l.code, l.offset])).toEqual([['bad_json', 2], ['apply_failed', 4]]);
    expect(out.lists.map((l) => [l.userId, l.causedBy]).sort()).toEqual([['a', 'e5'], ['b', 'e1']]);
  });

  it('a redelivered batch changes nothing but republishes lists possibly lost in a crash', async () => {
    const store = createMemoryUserStore();
    const first = sinkRecorder();
    await processBatch({ topic: 'cs', partition: 3, messages }, deps(store, first.sink), noRetry);
    const again = sinkRecorder();
    const r = await processBatch({ topic: 'cs', partition: 3, messages }, deps(store, again.sink), noRetry);
    expect(r).toMatchObject({ applied: 0, skipped: 5 });
    expect((await store.get('a'))!.vector[0]).toBe(3);
    expect(again.out.lists.map((l) => l.userId).sort()).toEqual(['a', 'b']);
    // A batch overlapping the applied range applies only the new tail.
    const more = [...messages, msg(6, { userId: 'a' }), msg(7, { userId: 'c' })];
    const r2 = await processBatch({ topic: 'cs', partition: 3, messages: more }, deps(store, again.sink), noRetry);
    expect(r2).toMatchObject({ applied: 2, skipped: 5 });
    expect((await store.get('a'))!.vector[0]).toBe(4);
  });

  it('applies an event a client sent twice (new offsets, same eventId) once, in the same batch or a later one; another eventId at the same item and ms is another event', async () => {
    const store = createMemoryUserStore();
    const { sink } = sinkRecorder();
    const original = { eventId: 'retried', userId: 'd', itemId: 'i9', ts: NOW - 500 };
    const r = await processBatch({ topic: 'cs', partition: 1, messages: [msg(10, original), msg(11, { userId: 'd' }), msg(12, original)] }, deps(store, sink), noRetry);
    expect(r).toMatchObject({ applied: 2, skipped: 1 });
    const r2 = await processBatch({ topic: 'cs', partition: 1, messages: [msg(13, original), msg(14, { ...original, eventId: 'twin' })] }, deps(store, sink), noRetry);
    expect(r2).toMatchObject({ applied: 1, skipped: 1 });
    expect((await store.get('d'))!.vector[0]).toBe(3);
  });

  it('retries a failing store until it recovers, without losing or doubling events', async () => {
    const inner = createMemoryUserStore();
    let failures = 3;
    const flaky: UserStateStore = {
      get: (id) => inner.get(id),
      getMany: (ids) => inner.getMany(ids),
      quarantine: (ids) => inner.quarantine(ids),
      commit: async (states) => {
        if (failures-- > 0) throw new StreamrecError('REDIS_UNAVAILABLE', 'down');
        return inner.commit(states);
      },
    };
    const faults: string[] = [];
    const step = createStepRunner(20, log, {
      onFault: (s) => faults.push(`fault:${s}`),
      onRecovered: (s, n) => faults.push(`recovered:${s}:${n}`),
      keepAlive: async () => undefined,
      shouldContinue: () => true,
    });
    const { sink } = sinkRecorder();
    await processBatch({ topic: 'cs', partition: 0, messages }, deps(flaky, sink), step);
    expect(faults).toEqual(['fault:user-state', 'recovered:user-state:3']);
    expect((await inner.get('a'))!.vector[0]).toBe(3);
  });

  it('gives up (throws, nothing committed) when told to stop during a fault', async () => {
    const failing: UserStateStore = { ...createMemoryUserStore(), commit: async () => { throw new StreamrecError('REDIS_UNAVAILABLE', 'down'); } };
    const step = createStepRunner(20, log, { onFault: () => undefined, onRecovered: () => undefined, keepAlive: async () => undefined, shouldContinue: () => false });
    const { sink } = sinkRecorder();
    await expect(processBatch({ topic: 'cs', partition: 0, messages }, deps(failing, sink), step)).rejects.toThrow(/abandoned/);
  });

  it('decides from retryable: an unreadable record dead-letters its user and is quarantined, a retryable report retries the step', async () => {
    const inner = createMemoryUserStore();
    const reports: StreamrecError[] = [new StreamrecError('REDIS_UNAVAILABLE', 'blip'), new StreamrecError('CORRUPT_RECORD', 'user z unreadable', { hint: 'moved to z:quarantine' })];
    const quarantined: string[] = [];
    const store: UserStateStore = {
      get: (id) => inner.get(id),
      async getMany(ids, onUnreadable) {
        const got = await inner.getMany(ids.filter((id) => id !== 'z'));
        const report = reports.length > 1 ? reports.shift()! : reports[0]!;
        if (ids.includes('z')) onUnreadable!('z', report);
        return got;
      },
      quarantine: async (ids) => void quarantined.push(...ids),
      commit: (states) => inner.commit(states),
    };
    const faults: string[] = [];
    const step = createStepRunner(10, log, { onFault: (s) => faults.push(s), onRecovered: () => undefined, keepAlive: async () => undefined, shouldContinue: () => true });
    const { out, sink } = sinkRecorder();
    const r = await processBatch({ topic: 'cs', partition: 0, messages: [msg(0, { userId: 'z' }), msg(1, { userId: 'a' }), msg(2, { userId: 'z' })] }, deps(store, sink), step);
    expect(faults).toEqual(['user-state']);
    expect(r).toMatchObject({ applied: 1, deadLettered: 2 });
    expect(out.letters.map((l) => [l.code, l.offset, l.reason])).toEqual([
      ['unreadable_state', 0, 'user z unreadable; moved to z:quarantine'],
      ['unreadable_state', 2, 'user z unreadable; moved to z:quarantine'],
    ]);
    expect(quarantined).toEqual(['z']);
    expect(out.lists.map((l) => l.userId)).toEqual(['a']);
  });
});

describe('freshness', () => {
  it('measures ingest to list for an old event (its Kafka timestamp), and its age in a second histogram', async () => {
    const threeDaysMs = 3 * 86_400_000;
    // An event from three days ago, produced (ingested) 40 ms before the learner publishes its list.
    const old: ConsumedMessage = { ...msg(0, { userId: 'a', ts: NOW - threeDaysMs }), timestamp: String(NOW - 40) };
    const d = deps(createMemoryUserStore(), sinkRecorder().sink);
    await processBatch({ topic: 'cs', partition: 0, messages: [old] }, d, noRetry);
    const sumOf = async (h: { get(): Promise<{ values: Array<{ metricName?: string; value: number }> }> }) =>
      (await h.get()).values.find((v) => v.metricName?.endsWith('_sum'))!.value;
    expect(await sumOf(d.metrics.freshnessSeconds)).toBeCloseTo(0.04, 3);
    expect(await sumOf(d.metrics.eventAgeSeconds)).toBeCloseTo(threeDaysMs / 1000, 0);
  });
});

describe('a long fetch gives the event loop turns', () => {
  it('lets other work run between candidate searches instead of after the whole fetch, and still applies everything once', async () => {
    const users = 100;
    let searches = 0;
    // Each search busy-waits 1 ms: a fetch of 100 users holds 100 ms of synchronous work.
    const slow: LearnerCore = {
      ...core,
      withPool: (state) => {
        const until = performance.now() + 1;
        while (performance.now() < until);
        searches++;
        return core.withPool(state);
      },
    };
    const store = createMemoryUserStore();
    const { out, sink } = sinkRecorder();
    // The searches done at each turn other work got while the batch ran (a turn can also come
    // before the first search, when decoding took the budget on a loaded machine).
    const searchesAtTurns: number[] = [];
    let running = true;
    const record = () => {
      searchesAtTurns.push(searches);
      if (running) setImmediate(record);
    };
    setImmediate(record);
    const messages = Array.from({ length: users }, (_, i) => msg(i, { userId: `u${i}` }));
    const r = await processBatch({ topic: 'cs', partition: 0, messages }, { ...deps(store, sink), core: slow }, noRetry);
    running = false;
    expect(r.applied).toBe(users);
    expect(out.lists).toHaveLength(users);
    expect(searches).toBe(users);
    // The memory twins answer without a turn of the event loop: only the batch's own turns let it run.
    expect(searchesAtTurns.some((n) => n > 0 && n < users)).toBe(true);
  });
});

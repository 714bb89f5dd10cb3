import { randomUUID } from 'node:crypto';
import { decodeEvent } from '../adapters/kafka/codec.ts';
import type { PipelineMetrics } from '../adapters/metrics/pipeline-metrics.ts';
import type { ClickEvent } from '../core/events.ts';
import type { UserStateStore } from '../core/stores.ts';
import { isOtherTopic, isPastPosition, type AppliedPosition, type UserState } from '../core/user-state.ts';
import { createTurns } from '../lifecycle.ts';
import { StreamrecError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { AppliedEvent, LearnerCore } from './learner-core.ts';
import type { StepRunner } from './retry.ts';
import { isDuplicateEvent } from '../core/learner.ts';
import type { DeadLetter, PipelineSink, RecommendationList } from '../core/ports.ts';

export interface ConsumedMessage {
  key: Buffer | null;
  value: Buffer | null;
  offset: string;
  /** Kafka message timestamp, epoch ms as a string (kafkajs). */
  timestamp: string;
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  messages: readonly ConsumedMessage[];
}

export interface BatchDeps {
  store: UserStateStore;
  core: LearnerCore;
  sink: PipelineSink;
  metrics: PipelineMetrics;
  maxEventBytes: number;
  clock: () => number;
  log: Logger;
  /** The clickstream topic's incarnation (AppliedPosition.topic) and config.learner.onTopicChange. */
  topic?: { tag: string; onChange: 'refuse' | 'restart' };
}

export interface BatchResult {
  applied: number;
  skipped: number;
  deadLettered: number;
  listsPublished: number;
  /** Offset of the last message handled; undefined for an empty batch. */
  lastOffset: string | undefined;
}

const KEEP_ALIVE_EVERY = 500;

interface Positioned {
  event: ClickEvent;
  position: AppliedPosition;
  appendedAtMs: number;
  message: ConsumedMessage;
}

/** A user whose list is due: its committed (or replayed) state and the newest event behind it. */
export interface ListTarget {
  state: UserState;
  last: { event: ClickEvent; appendedAtMs: number };
}

export interface SliceResult extends Omit<BatchResult, 'listsPublished'> {
  /** One per changed user of this slice; publish with publishLists (after merging slices). */
  targets: ListTarget[];
}

/**
 * One partition batch, in the order that makes the effect exactly-once:
 * decode (bad → dead-letter) → load states (one round trip) → apply new events per
 * user, per event, skipping positions already applied → commit states (one round trip,
 * position-guarded) → learn items, publish one list per changed user. A user whose stored
 * record cannot be decoded (a non-retryable error) has this batch's events dead-lettered
 * and the record moved to quarantine, after which the user starts afresh. The caller
 * commits the offset only after this returns. Every I/O step goes through `step`, which
 * retries until it succeeds, so a fault delays the batch and never drops it.
 */
export async function processBatch(
  batch: ConsumedBatch,
  deps: BatchDeps,
  step: StepRunner,
  keepAlive: () => Promise<void> = async () => undefined,
): Promise<BatchResult> {
  const { targets, ...slice } = await applySlice(batch, deps, step, keepAlive);
  await publishLists(targets, deps, step, keepAlive);
  return { ...slice, listsPublished: targets.length };
}

/**
 * processBatch without the lists: the state and item-vector steps of one slice. The
 * learner service merges the targets of every slice of a fetch (one list per changed user
 * per fetch, the newest state wins) and publishes them before it commits the offset, so
 * a crash before the publish redelivers the slices and the replay rule republishes.
 */
export async function applySlice(
  batch: ConsumedBatch,
  deps: BatchDeps,
  step: StepRunner,
  keepAlive: () => Promise<void> = async () => undefined,
): Promise<SliceResult> {
  const { core, metrics } = deps;
  const letters: DeadLetter[] = [];
  const byUser = new Map<string, Positioned[]>();
  const nowMs = deps.clock();
  for (const m of batch.messages) {
    const r = decodeEvent(m.key, m.value, { maxBytes: deps.maxEventBytes, nowMs });
    if (!r.ok) {
      letters.push(letterOf(batch, m, r.code, r.reason, nowMs));
      continue;
    }
    const entry: Positioned = {
      event: r.event,
      position: { partition: batch.partition, offset: Number(m.offset), ...(deps.topic ? { topic: deps.topic.tag } : {}) },
      appendedAtMs: Number(m.timestamp),
      message: m,
    };
    const list = byUser.get(r.event.userId);
    if (list) list.push(entry);
    else byUser.set(r.event.userId, [entry]);
  }

  await keepAlive();
  const outcome = await step('user-state', async () => {
    const unreadable = new Map<string, StreamrecError>();
    const stored = await deps.store.getMany([...byUser.keys()], (userId, err) => {
      // What a retry may fix is retried (the step throws); what it never will is dead-lettered.
      if (err.retryable) throw err;
      unreadable.set(userId, err);
    });
    const changed: UserState[] = [];
    const appliedByUser = new Map<string, AppliedEvent[]>();
    const replayed: Array<{ state: UserState; last: Positioned }> = [];
    const userLetters: DeadLetter[] = [];
    let skipped = 0;
    const applyNow = deps.clock();
    const topicChange = { users: 0, events: 0, from: new Set<string>() };
    const turn = createTurns();
    for (const [userId, events] of byUser) {
      await turn();
      const unread = unreadable.get(userId);
      if (unread) {
        const reason = unread.hint ? `${unread.message}; ${unread.hint}` : unread.message;
        for (const e of events) userLetters.push(letterOf(batch, e.message, 'unreadable_state', reason, applyNow));
        continue;
      }
      const initial = stored.get(userId);
      if (initial?.position && isOtherTopic(initial.position, events[0]!.position)) {
        // Positions of an earlier topic of this name: isPastPosition ignores them (restart).
        topicChange.users++;
        topicChange.events += events.length;
        topicChange.from.add(initial.position.topic!);
        if (deps.topic?.onChange === 'refuse') continue;
      }
      let state = initial ?? core.newState(userId);
      const applied: AppliedEvent[] = [];
      for (const e of events) {
        // Already applied (a replay after a crash or rebalance), or the same event sent twice.
        if (!isPastPosition(state.position, e.position) || isDuplicateEvent(state, e.event)) {
          skipped++;
          continue;
        }
        try {
          const historyBefore = state.history;
          state = core.applyEvent(state, e.event, e.position, applyNow);
          applied.push({ event: e.event, historyBefore });
        } catch (err) {
          userLetters.push(letterOf(batch, e.message, 'apply_failed', `learner failed on this event: ${(err as Error).message}`, applyNow));
        }
      }
      const last = events[events.length - 1]!;
      if (applied.length > 0) {
        changed.push(state);
        appliedByUser.set(userId, applied);
      } else if (initial?.position && samePosition(initial.position, last.position)) {
        // Everything was applied before a crash between the state commit and the offset
        // commit; the list may not have been published then, so publish it again.
        replayed.push({ state: initial, last });
      }
    }
    const refused = topicChange.users > 0 && deps.topic?.onChange === 'refuse';
    // The candidate search runs here, before the commit, so the pool is stored with its state.
    for (let i = 0; i < changed.length && !refused; i++) {
      await turn();
      changed[i] = core.withPool(changed[i]!);
    }
    const written = new Set(refused ? [] : await deps.store.commit(changed));
    return { changed, written, appliedByUser, replayed, userLetters, skipped, unreadable: [...unreadable.keys()], topicChanged: topicChange, refused };
  });

  if (outcome.topicChanged.users > 0) {
    const { users, events, from } = outcome.topicChanged;
    const policy = deps.topic!.onChange;
    metrics.topicChanged.inc({ policy }, events);
    deps.log.warn(
      { partition: batch.partition, users, events, storedTopic: [...from], topic: deps.topic!.tag, policy },
      policy === 'refuse'
        ? `${batch.topic} was deleted and created again: these users' stored positions are in the earlier topic; learner stopping (ON_TOPIC_CHANGE=refuse)`
        : `${batch.topic} was deleted and created again: these users' stored positions are in the earlier topic and ignored; their events applied on top of their state (ON_TOPIC_CHANGE=restart)`,
    );
    if (outcome.refused) {
      throw new StreamrecError('TOPIC_CHANGED', `topic ${batch.topic} was deleted and created again (topic id ${deps.topic!.tag}…), but Redis holds positions of ${users} user(s) in the earlier one (${[...from].join(', ')}…)`, {
        retryable: false,
        hint: 'run `streamrec reset --yes` to clear the old state, or set ON_TOPIC_CHANGE=restart to apply the new events on top of it',
      });
    }
  }

  // Loops, not push(...): a fetch's letters and one user's events are unbounded, a call's arguments are not.
  for (const letter of outcome.userLetters) letters.push(letter);
  if (letters.length > 0) {
    await step('dead-letter', () => deps.sink.deadLetters(letters));
    for (const l of letters) metrics.deadLetters.inc({ reason: l.code });
    deps.log.debug({ partition: batch.partition, count: letters.length }, 'messages dead-lettered');
  }
  // After their events are on the dead-letter topic: a crash in between re-reads the
  // records, still unreadable, and dead-letters the events again (at least once).
  if (outcome.unreadable.length > 0) {
    await step('quarantine', () => deps.store.quarantine(outcome.unreadable));
    deps.log.warn({ partition: batch.partition, users: outcome.unreadable }, 'unreadable user states moved to quarantine; their events dead-lettered');
  }

  const committed = outcome.changed.filter((s) => outcome.written.has(s.userId));
  const lost = outcome.changed.length - committed.length;
  if (lost > 0) deps.log.warn({ partition: batch.partition, users: lost }, 'newer state already stored (another learner ran ahead); not published');

  const appliedEvents: AppliedEvent[] = [];
  let applied = 0;
  for (const s of committed) {
    const events = outcome.appliedByUser.get(s.userId)!;
    applied += events.length;
    for (const e of events) appliedEvents.push(e);
  }
  await keepAlive();
  const itemRecords = core.learnItems(appliedEvents, deps.clock());
  if (itemRecords.length > 0) {
    await step('item-embeddings', () => deps.sink.itemEmbeddings(itemRecords));
    metrics.itemVectorsPublished.inc(itemRecords.length);
  }

  const lastEventOf = new Map<string, Positioned>();
  for (const [userId, events] of byUser) lastEventOf.set(userId, events[events.length - 1]!);
  const targets: ListTarget[] = committed.map((state) => ({ state, last: lastEventOf.get(state.userId)! })).concat(outcome.replayed);

  metrics.eventsApplied.inc(applied);
  metrics.eventsSkipped.inc(outcome.skipped);
  metrics.batchSize.observe(batch.messages.length);
  return {
    applied,
    skipped: outcome.skipped,
    deadLettered: letters.length,
    targets,
    lastOffset: batch.messages.length === 0 ? undefined : batch.messages[batch.messages.length - 1]!.offset,
  };
}

/** One list per target, sent in one producer call; recommendation is the CPU-heavy part. */
export async function publishLists(
  targets: readonly ListTarget[],
  deps: BatchDeps,
  step: StepRunner,
  keepAlive: () => Promise<void> = async () => undefined,
): Promise<void> {
  if (targets.length === 0) return;
  const { core, metrics } = deps;
  const publishedAt = deps.clock();
  const lists: RecommendationList[] = [];
  const turn = createTurns();
  for (const { state, last } of targets) {
    await turn();
    lists.push({
      userId: state.userId,
      items: core.recommend(state),
      modelVersion: core.modelVersion(),
      recommendationId: randomUUID(),
      causedBy: last.event.eventId,
      eventTs: last.event.ts,
      publishedAt,
    });
    // A big batch spends most of its CPU here; keep the group membership alive.
    if (lists.length % KEEP_ALIVE_EVERY === 0) await keepAlive();
  }
  await step('recommendations', () => deps.sink.recommendations(lists));
  const doneAt = deps.clock();
  metrics.listsPublished.inc(lists.length);
  for (const { last } of targets) {
    metrics.eventAgeSeconds.observe(Math.max(0, doneAt - last.event.ts) / 1000);
    if (Number.isFinite(last.appendedAtMs)) metrics.freshnessSeconds.observe(Math.max(0, doneAt - last.appendedAtMs) / 1000);
  }
}

function samePosition(a: AppliedPosition, b: AppliedPosition): boolean {
  return a.partition === b.partition && a.offset === b.offset && !isOtherTopic(a, b);
}

function letterOf(batch: ConsumedBatch, m: ConsumedMessage, code: DeadLetter['code'], reason: string, nowMs: number): DeadLetter {
  return { code, reason, topic: batch.topic, partition: batch.partition, offset: Number(m.offset), key: m.key, value: m.value, failedAtMs: nowMs };
}

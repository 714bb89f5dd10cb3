import { createCooccurrence, type Cooccurrence, type CooccurrenceParams } from './cooccurrence.ts';
import { snapshotCooccurrence, type CooccurrenceSnapshot } from './cooccurrence-snapshot.ts';
import { createCoVisitation, positiveSequence, type CoVisitation, type CoVisitationParams } from './co-visitation.ts';
import type { ClickEvent, EventWeights } from './events.ts';
import { appendEventId, appendHistory, isDuplicateEvent } from './learner.ts';
import { refitItemVectors, type RefitParams, type RefitResult } from './refit.ts';
import { createTransitionLog, DEFAULT_REFIT_GATE, judgeRefit, type RefitGateParams, type RefitVerdict } from './refit-gate.ts';
import type { HistoryEntry } from './user-state.ts';
import type { Vector } from './vector.ts';

export interface ItemRefitterParams {
  dim: number;
  weights: EventWeights;
  cooccurrence: CooccurrenceParams;
  coVisitation: CoVisitationParams;
  refit: RefitParams;
  /** The release check every refit passes before it replaces `trained` (refit-gate.ts); DEFAULT_REFIT_GATE when absent. */
  gate?: RefitGateParams;
  /** Remember the items whose co-visitation rules changed, for takeChangedRules (the refit worker publishes them). */
  trackRuleChanges?: boolean;
}

/**
 * The global half of item learning, shared by the online model (eval) and the refit
 * worker (production): every positive event adds co-occurrence with the user's previous
 * positive items and co-visitation rules with the last of them, and on a growing schedule all item factors are refit from the
 * co-occurrence seen so far, rotated onto the previous factors. Pure, no clock.
 */
export interface ItemRefitter {
  readonly cooccurrence: Cooccurrence;
  /** Order-aware short-window rules (co-visitation.ts), learned from the same events. */
  readonly coVisitation: CoVisitation;
  /** Factors (raw, reserved coordinate 0) of the last refit or of the anchor: what the next refit aligns onto. */
  readonly trained: ReadonlyMap<string, Vector>;
  readonly eventsSeen: number;
  /** Event count at which the schedule asks for the next refit. */
  readonly nextRefitAt: number;
  /** Refits accepted (their factors became `trained`). */
  readonly refits: number;
  /** Refits the release check held back (`trained` kept). */
  readonly heldBack: number;
  /** True when the schedule asks for a refit now. */
  readonly due: boolean;
  /**
   * Counts one event of any type; a positive one co-occurs with the positive items of
   * `previousHistory` (the user's capped history before this event, newest last).
   */
  observe(event: ClickEvent, previousHistory: readonly HistoryEntry[]): void;
  /**
   * Up to `limit` items whose rules (coVisitation.rowOf) changed since they were last taken,
   * removed from the pending set; empty unless params.trackRuleChanges.
   */
  takeChangedRules(limit: number): string[];
  /** Items whose rule changes are not taken yet. */
  readonly pendingRuleChanges: number;
  /**
   * Refits every item from the co-occurrence, aligned onto `trained`, and schedules the next.
   * The result replaces `trained` only when its verdict accepts it; a held-back result must not be served.
   */
  refit(): RefitResult & { verdict: RefitVerdict };
  /**
   * refit() in two halves for a caller that computes elsewhere (a worker thread): the inputs
   * of refitItemVectors, with the schedule advanced now; completeRefit takes its result.
   */
  beginRefit(): { cooccurrence: CooccurrenceSnapshot; previous: ReadonlyMap<string, Vector> };
  completeRefit(result: RefitResult): RefitVerdict;
  /**
   * Seeds the alignment anchor (a restarted worker: the model currently served) and the
   * schedule, as if the last refit had happened after `eventsAtAnchor` events.
   */
  anchor(factors: ReadonlyMap<string, Vector>, eventsAtAnchor: number): void;
}

/**
 * The refit schedule: first after `firstAfterEvents`, then growing by `growth`, at most
 * max(maxEveryEvents, maxEveryEventsPerItem × `items` seen) apart.
 */
export function nextRefitAfter(eventsSeen: number, params: RefitParams, items = 0): number {
  if (eventsSeen <= 0) return params.firstAfterEvents;
  return Math.min(eventsSeen * params.growth, eventsSeen + maxRefitGap(params, items));
}

/** The most events between two refits once the schedule has grown: max(maxEveryEvents, maxEveryEventsPerItem × `items` seen). */
export function maxRefitGap(params: RefitParams, items: number): number {
  return Math.max(params.maxEveryEvents, params.maxEveryEventsPerItem * items);
}

export function createItemRefitter(params: ItemRefitterParams): ItemRefitter {
  const cooc = createCooccurrence(params.cooccurrence);
  const coVisitation = createCoVisitation(params.coVisitation);
  // Insertion-ordered and never re-ordered: the item waiting longest is taken first, so a hot item cannot starve the rest.
  const changedRules = new Set<string>();
  const gate = params.gate ?? DEFAULT_REFIT_GATE;
  const transitions = createTransitionLog(gate.transitions);
  let trained: ReadonlyMap<string, Vector> = new Map();
  let eventsSeen = 0;
  let nextRefitAt = params.refit.firstAfterEvents;
  let refits = 0;
  let heldBack = 0;
  const settle = (result: RefitResult): RefitVerdict => {
    const verdict = judgeRefit(result.vectors, trained, transitions, gate);
    if (verdict.accepted) {
      refits++;
      trained = result.vectors;
    } else {
      heldBack++;
    }
    return verdict;
  };
  return {
    cooccurrence: cooc,
    coVisitation,
    get pendingRuleChanges() {
      return changedRules.size;
    },
    get trained() {
      return trained;
    },
    get eventsSeen() {
      return eventsSeen;
    },
    get nextRefitAt() {
      return nextRefitAt;
    },
    get refits() {
      return refits;
    },
    get heldBack() {
      return heldBack;
    },
    get due() {
      return eventsSeen >= nextRefitAt;
    },
    observe(event, previousHistory) {
      if (params.weights[event.type] > 0) {
        const positive: string[] = [];
        for (const h of previousHistory) if (params.weights[h.type] > 0) positive.push(h.itemId);
        cooc.observe(event.itemId, positive, 1);
        const sequence = positiveSequence(previousHistory, params.weights, params.coVisitation.window);
        coVisitation.observe(event.itemId, sequence);
        const last = sequence[sequence.length - 1];
        if (last !== undefined && last !== event.itemId) transitions.add(last, event.itemId);
        if (params.trackRuleChanges) markChangedRules(changedRules, event.itemId, sequence, params.coVisitation);
      }
      eventsSeen++;
    },
    takeChangedRules(limit) {
      const out: string[] = [];
      for (const id of changedRules) {
        if (out.length >= limit) break;
        out.push(id);
      }
      for (const id of out) changedRules.delete(id);
      return out;
    },
    refit() {
      const result = refitItemVectors(cooc, trained, params.dim, params.refit);
      nextRefitAt = nextRefitAfter(eventsSeen, params.refit, cooc.itemCount);
      return { ...result, verdict: settle(result) };
    },
    beginRefit() {
      nextRefitAt = nextRefitAfter(eventsSeen, params.refit, cooc.itemCount);
      return { cooccurrence: snapshotCooccurrence(cooc), previous: trained };
    },
    completeRefit: settle,
    anchor(factors, eventsAtAnchor) {
      trained = factors;
      nextRefitAt = nextRefitAfter(eventsAtAnchor, params.refit, cooc.itemCount);
    },
  };
}

/**
 * The rows CoVisitation.observe(itemId, sequence) changes: a → itemId for each of the last
 * `window` items a ≠ itemId, and itemId → a when backward rules are on.
 */
function markChangedRules(changed: Set<string>, itemId: string, sequence: readonly string[], params: CoVisitationParams): void {
  let paired = false;
  for (let d = 1; d <= params.window && d <= sequence.length; d++) {
    const a = sequence[sequence.length - d]!;
    if (a === itemId) continue;
    changed.add(a);
    paired = true;
  }
  if (paired && params.backwardWeight > 0) changed.add(itemId);
}

/**
 * Per-user capped histories and eventId windows as the learner keeps them (applyEvent's
 * history: every event type, newest last, historyCap entries; eventIdWindow eventIds), for a
 * process that has no user states: the refit worker. At most `maxUsers` users are kept; the
 * least recently active are forgotten.
 */
export interface RecentHistories {
  readonly users: number;
  of(userId: string): readonly HistoryEntry[];
  /** True when the user's window holds this event's eventId (isDuplicateEvent, the learner's rule). */
  holds(event: ClickEvent): boolean;
  append(event: ClickEvent): void;
}

export function createRecentHistories(historyCap: number, maxUsers: number, eventIdWindow: number): RecentHistories {
  const byUser = new Map<string, { history: HistoryEntry[]; eventIds: number[] }>();
  const empty: readonly HistoryEntry[] = [];
  return {
    get users() {
      return byUser.size;
    },
    of: (userId) => byUser.get(userId)?.history ?? empty,
    holds(event) {
      const user = byUser.get(event.userId);
      return user !== undefined && isDuplicateEvent(user, event);
    },
    append(event) {
      const prev = byUser.get(event.userId);
      // Re-inserted so Map order is least recently active first.
      byUser.delete(event.userId);
      byUser.set(event.userId, {
        history: appendHistory(prev?.history ?? [], { itemId: event.itemId, type: event.type, ts: event.ts }, historyCap),
        eventIds: appendEventId(prev?.eventIds ?? [], event, eventIdWindow),
      });
      if (byUser.size > maxUsers) byUser.delete(byUser.keys().next().value!);
    },
  };
}

/**
 * One clickstream event as the refit worker applies it, matching createOnlineModel.learn:
 * an event whose eventId the user's window holds (a client retry) is skipped, otherwise it
 * co-occurs with the history before it and joins it. False when skipped as a duplicate.
 */
export function observeWithHistory(refitter: ItemRefitter, histories: RecentHistories, event: ClickEvent): boolean {
  if (histories.holds(event)) return false;
  refitter.observe(event, histories.of(event.userId));
  histories.append(event);
  return true;
}

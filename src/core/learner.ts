import type { ClickEvent, EventWeights } from './events.ts';
import type { AppliedPosition, HistoryEntry, UserState } from './user-state.ts';
import type { Vector } from './vector.ts';
import { eventIdHash, itemHash } from './item-hash.ts';

/** The part of the model settings (config.model) the per-event learner needs. */
export interface LearnerParams {
  dim: number;
  halfLifeMs: number;
  weights: EventWeights;
  historyCap: number;
  seenCap: number;
  /** eventIds remembered per user (the idempotency window). */
  eventIdWindow: number;
}

/** Copies only the learner's fields out of a wider settings object (such as config.model). */
export function learnerParamsFrom(model: Readonly<LearnerParams>): LearnerParams {
  return { dim: model.dim, halfLifeMs: model.halfLifeMs, weights: model.weights, historyCap: model.historyCap, seenCap: model.seenCap, eventIdWindow: model.eventIdWindow };
}

export interface ApplyOptions {
  /** Clickstream position of the event (the pipeline's exactly-once guard). */
  position?: AppliedPosition;
  /** Wall clock to stamp as updatedAtMs; the learner itself never reads the clock. */
  nowMs?: number;
}

/** Decay of a quantity after `elapsedMs` with the given half-life: 2^(-elapsed / halfLife). */
export function decayFactor(elapsedMs: number, halfLifeMs: number): number {
  return elapsedMs <= 0 ? 1 : 2 ** (-elapsedMs / halfLifeMs);
}

/**
 * One event, one update (pure; returns a new state). The user vector is a time-decayed,
 * event-weighted sum of the vectors of the items the user touched:
 *   v ← v · 2^(-(ts - lastEventTs) / halfLife) + w(type) · itemVector
 * so negative types (remove_from_cart, dislike) push it away from the item. An event older
 * than the state's newest is added with its own decay instead of rewinding time. An item
 * without a vector (brand-new) still enters history and seen; the vector is unchanged.
 * Seen: positive events and dislikes mark the item (never recommend it again); remove_from_cart
 * leaves seen alone: the add that preceded it already marked the item.
 */
export function applyEvent(
  state: UserState,
  event: ClickEvent,
  itemVector: Vector | undefined,
  params: LearnerParams,
  options: ApplyOptions = {},
): UserState {
  const weight = params.weights[event.type];
  const first = state.eventCount === 0;
  const newestTs = first ? event.ts : Math.max(state.lastEventTs, event.ts);
  const stateDecay = first ? 1 : decayFactor(event.ts - state.lastEventTs, params.halfLifeMs);
  const eventDecay = first ? 1 : decayFactor(state.lastEventTs - event.ts, params.halfLifeMs);

  const vector = new Float32Array(params.dim);
  const prev = state.vector;
  const n = Math.min(prev.length, params.dim);
  for (let i = 0; i < n; i++) vector[i] = prev[i]! * stateDecay;
  if (itemVector && itemVector.length === params.dim && weight !== 0) {
    const w = weight * eventDecay;
    for (let i = 0; i < params.dim; i++) vector[i] = vector[i]! + w * itemVector[i]!;
  }

  return {
    userId: state.userId,
    vector,
    lastEventTs: newestTs,
    updatedAtMs: options.nowMs ?? state.updatedAtMs,
    eventCount: state.eventCount + 1,
    history: appendHistory(state.history, { itemId: event.itemId, type: event.type, ts: event.ts }, params.historyCap),
    seen: marksSeen(event, weight) ? touchSeen(state.seen, event.itemId, params.seenCap) : state.seen.slice(),
    position: options.position ?? state.position,
    eventIds: appendEventId(state.eventIds, event, params.eventIdWindow),
  };
}

function marksSeen(event: ClickEvent, weight: number): boolean {
  if (event.type === 'dislike') return true;
  if (event.type === 'remove_from_cart') return false;
  return weight > 0;
}

/**
 * True when the user's idempotency window holds this event's eventId: the same event was
 * applied already (a storefront that retries POST /v1/events produces it again at a new
 * offset, which the position guard cannot see). Recognised while fewer than
 * `eventIdWindow` events of that user were applied since the original. The learner, the
 * refit worker and eval's online model all skip by this rule.
 */
export function isDuplicateEvent(state: { readonly eventIds: readonly number[] }, event: ClickEvent): boolean {
  const hash = eventIdHash(event.eventId);
  const ids = state.eventIds;
  for (let i = ids.length - 1; i >= 0; i--) if (ids[i] === hash) return true;
  return false;
}

/** The window after applying `event`: its eventId's hash appended, the oldest past `window` dropped. */
export function appendEventId(eventIds: readonly number[], event: ClickEvent, window: number): number[] {
  const out = eventIds.length >= window ? eventIds.slice(eventIds.length - window + 1) : eventIds.slice();
  out.push(eventIdHash(event.eventId));
  return out;
}

/** Appends to a capped history (newest last); shared with the refit worker's per-user histories. */
export function appendHistory(history: readonly HistoryEntry[], entry: HistoryEntry, cap: number): HistoryEntry[] {
  const out = history.length >= cap ? history.slice(history.length - cap + 1) : history.slice();
  out.push(entry);
  return out;
}

/** Moves (or adds) the item's hash to the newest end; the oldest fall off past the cap. */
function touchSeen(seen: readonly number[], itemId: string, cap: number): number[] {
  const hash = itemHash(itemId);
  const out = seen.filter((h) => h !== hash);
  out.push(hash);
  return out.length > cap ? out.slice(out.length - cap) : out;
}

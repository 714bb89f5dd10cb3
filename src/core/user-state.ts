import type { EventType } from './events.ts';
import type { Vector } from './vector.ts';

/** One entry of a user's capped recent history, newest last. */
export interface HistoryEntry {
  itemId: string;
  type: EventType;
  ts: number;
}

/** Where the last applied event of this user sits in the clickstream topic. */
export interface AppliedPosition {
  partition: number;
  offset: number;
  /**
   * Which incarnation of the topic the offset is in: the first 8 hex digits of its Kafka topic
   * id (a topic deleted and created again under its name gets a new one, offsets from 0).
   * Absent in positions written before it was kept, and outside the learner (eval).
   */
  topic?: string;
}

/**
 * The model's ranking for exactly this state, computed when it was written (the learner does it
 * before each commit, for the list it publishes anyway): the top of the search with the
 * trending re-rank applied, the user's seen and unavailable items left out. A recommend for the
 * same state serves it, minus what the request filters, instead of searching the index: the
 * search is the biggest part of a recommend's CPU (~120 µs of ~280 at 100k × 64). Any event
 * makes a new state without a pool.
 */
export interface CandidatePool {
  /** itemHash of the ranked items, best first. */
  hashes: number[];
  /** Their scores (cosine + trending boost), as the list would show them. */
  scores: number[];
  /** modelTag (recommender.ts) of the model version whose item vectors were searched. */
  modelTag: number;
}

/**
 * Everything the engine keeps per user. Bounded by construction: the vector has the
 * model dimension, `history` is capped at config.model.historyCap and `seen` at
 * config.model.seenCap, so bytes per user are known.
 */
export interface UserState {
  userId: string;
  vector: Vector;
  /** Event time (epoch ms) of the newest applied event; decay is measured from here. */
  lastEventTs: number;
  /** Wall-clock time (epoch ms) the state was last written. */
  updatedAtMs: number;
  eventCount: number;
  history: HistoryEntry[];
  /** itemHash (item-hash.ts) of the items not to recommend again (interacted with), oldest first. */
  seen: number[];
  /** Exactly-once guard: events at or below this position were applied already. */
  position: AppliedPosition | undefined;
  /**
   * eventIdHash (item-hash.ts) of the last applied events, oldest first, capped at
   * config.model.eventIdWindow: an eventId found here is never applied again (a client
   * that resends a request produces the same events at new positions).
   */
  eventIds: number[];
  /** The model's ranking for exactly this state (absent when none was stored). */
  pool?: CandidatePool;
}

export function createUserState(userId: string, dim: number): UserState {
  return {
    userId,
    vector: new Float32Array(dim),
    lastEventTs: 0,
    updatedAtMs: 0,
    eventCount: 0,
    history: [],
    seen: [],
    position: undefined,
    eventIds: [],
  };
}

/**
 * True when an event at `next` has not been applied to a user whose state sits at
 * `stored`: a later offset of the same partition, or any position of another partition
 * (the user moved because the partition count changed; offsets are not comparable).
 */
export function isPastPosition(stored: AppliedPosition | undefined, next: AppliedPosition): boolean {
  if (stored === undefined || stored.partition !== next.partition || isOtherTopic(stored, next)) return true;
  return next.offset > stored.offset;
}

/** True when both positions name their topic's incarnation and they differ: offsets are not comparable. */
export function isOtherTopic(stored: AppliedPosition, next: AppliedPosition): boolean {
  return stored.topic !== undefined && next.topic !== undefined && stored.topic !== next.topic;
}

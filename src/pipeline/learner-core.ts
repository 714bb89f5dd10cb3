import type { ClickEvent } from '../core/events.ts';
import type { AppliedPosition, HistoryEntry, UserState } from '../core/user-state.ts';
import type { ItemEmbeddingRecord } from '../core/ports.ts';
import type { RecommendedItem } from '../core/recommender.ts';

/**
 * One event applied to one user, with the user's history before it (online item learning
 * reads it). Only the history: these live until the slice is committed, and holding whole
 * states (vector, seen) for tens of thousands of events sent them to the old generation.
 */
export interface AppliedEvent {
  event: ClickEvent;
  historyBefore: readonly HistoryEntry[];
}

/**
 * The domain operations the learner service runs per batch. Composition binds them to
 * the model's pure core (learner, recommender, trending, online item vectors) over the
 * process's own index; tests can bind the same core to an exact index.
 */
export interface LearnerCore {
  newState(userId: string): UserState;
  /** One event, one update (pure): the model's applyEvent with the item's current vector. */
  applyEvent(state: UserState, event: ClickEvent, position: AppliedPosition, nowMs: number): UserState;
  /**
   * Called once per batch with the events whose states were committed: feeds trending and
   * online vectors of new items (applied to the local index); returns vectors to publish.
   */
  learnItems(applied: readonly AppliedEvent[], nowMs: number): ItemEmbeddingRecord[];
  /**
   * The state with its candidate pool (core/recommender.ts candidatePool: the model's ranking of
   * it), computed before the commit so the pool is stored with the state it belongs to; the API
   * serves it instead of searching, and recommend() below reuses it for the published list.
   */
  withPool(state: UserState): UserState;
  recommend(user: UserState): RecommendedItem[];
  modelVersion(): string;
}

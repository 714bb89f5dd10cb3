import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * The most a learner's synchronous run (a fetch's event applies, candidate searches and lists:
 * thousands of ~0.65 ms searches when it is behind) keeps the event loop before giving it a
 * turn. Heartbeats, the item and rule tails, /metrics and, under `streamrec start`, the API
 * share the thread.
 */
export const TURN_BUDGET_MS = 10;

/**
 * Returns a function to call between units of work: it resolves at once while the run is
 * within `budgetMs` of its last turn, else after the event loop's next turn. A turn lets other
 * partitions' batches run, as the awaits on Redis and Kafka already do; one partition's
 * batches, and so one user's events, still run in order.
 */
export function createTurns(budgetMs: number = TURN_BUDGET_MS): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    const now = performance.now();
    if (now - since < budgetMs) return undefined;
    return nextTurn().then(() => {
      since = performance.now();
    });
  };
}

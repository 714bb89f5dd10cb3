import type { ClickEvent } from '../core/events.ts';

/**
 * One model in a prequential replay. The replay calls recommend() for a test event
 * before the model sees it, then learn() with it: test, then learn. Adapters in
 * src/eval/models wrap the production code (learner, index, recommender, trending,
 * trainer); src/eval/baselines holds the evaluation-only item-kNN.
 */
export interface EvalModel {
  readonly name: string;
  /** Best-first item ids for the user at time `nowMs`, none of them in `exclude`. */
  recommend(userId: string, k: number, exclude: ReadonlySet<string>, nowMs: number): string[];
  learn(event: ClickEvent): void;
  /** The first k of the items it shows beside `itemId` on a product page (GET /v1/items/:id/similar), where it has such a list. */
  beside?(itemId: string, k: number): string[];
  /** Facts worth printing with the results (parameters, refits done). */
  describe?(): Record<string, string | number>;
}

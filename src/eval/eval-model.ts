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
  /** Facts worth printing with the results (parameters, refits done). */
  describe?(): Record<string, string | number>;
}

/** Keeps the k best (id, score) pairs, best first; ties keep the earlier offer. k is small. */
export class TopK {
  readonly ids: string[] = [];
  readonly scores: number[] = [];
  constructor(private readonly k: number) {}

  /** The score an offer must beat to enter a full list. */
  get threshold(): number {
    return this.ids.length < this.k ? -Infinity : this.scores[this.scores.length - 1]!;
  }

  offer(id: string, score: number): void {
    if (this.k <= 0 || score <= this.threshold) return;
    let i = this.scores.length;
    while (i > 0 && this.scores[i - 1]! < score) i--;
    this.ids.splice(i, 0, id);
    this.scores.splice(i, 0, score);
    if (this.ids.length > this.k) {
      this.ids.pop();
      this.scores.pop();
    }
  }
}

import type { EventWeights } from '../../core/events.ts';
import { createTrending } from '../../core/trending.ts';
import type { EvalModel } from '../eval-model.ts';

/**
 * Decayed popularity through the production Trending (the cold-start fallback of the
 * recommender): each positive event adds its type weight, halving every `halfLifeMs`.
 */
export function createPopularityModel(options: { weights: EventWeights; halfLifeMs: number }): EvalModel {
  const trending = createTrending(options.halfLifeMs);
  return {
    name: 'popularity',
    recommend(_userId, k, exclude) {
      return trending.top(k, (id) => !exclude.has(id)).map((t) => t.itemId);
    },
    learn(event) {
      const weight = options.weights[event.type];
      if (weight > 0) trending.add(event.itemId, event.ts, weight);
    },
    describe: () => ({ halfLifeHours: options.halfLifeMs / 3_600_000 }),
  };
}

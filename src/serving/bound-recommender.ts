import type { CatalogView, Recommender } from '../adapters/http/deps.ts';
import type { AnnIndex } from '../core/ann-index.ts';
import { recommend, similarItems } from '../core/recommender.ts';
import type { Trending } from '../core/trending.ts';
import type { Logger } from '../log.ts';

/**
 * The model's recommender bound to this process: its index, its in-memory catalog view
 * and the current trending copy (a getter, because the copy is swapped on refresh).
 */
export function bindRecommender(index: AnnIndex, catalog: CatalogView, trending: () => Trending, log: Logger): Recommender {
  const isAvailable = (itemId: string) => catalog.isAvailable(itemId);
  const categoryOf = (itemId: string) => catalog.categoryOf(itemId);
  return {
    recommend(req) {
      const request: Parameters<typeof recommend>[0] = {
        user: req.user,
        k: req.k,
        exclude: req.exclude,
        index,
        isAvailable,
        categoryOf,
        trending: trending(),
        onError: (err) => log.warn({ err: (err as Error).message }, 'model path failed; answered from trending'),
      };
      if (req.category !== undefined) request.category = req.category;
      return recommend(request);
    },
    similar(itemId, k) {
      return similarItems(index, itemId, k, isAvailable).map(({ itemId: id, score }) => ({ itemId: id, score }));
    },
  };
}

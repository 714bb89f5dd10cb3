import { Type } from '@fastify/type-provider-typebox';
import { StreamrecError } from '../../../errors.ts';
import { ErrorBody, Id, kQuery, Recommendations, UserParams, type RecommendationsBody } from '../schemas.ts';
import { requireValidId, type RoutePlugin } from '../route-kit.ts';
import { loadUserForRecommend, recommendationsView } from '../views.ts';

const MAX_EXCLUDE = 1000;

export const recommendationRoutes: RoutePlugin = async (app, ctx) => {
  const { deps, metrics } = ctx;
  const { config } = deps;

  app.get(
    '/v1/users/:userId/recommendations',
    {
      onRequest: ctx.readKey,
      schema: {
        summary: 'Top-k items for a user; cold or unknown users get trending items (flagged)',
        tags: ['recommend'],
        params: UserParams,
        querystring: Type.Object({
          k: kQuery(config.model.k, config.model.maxK),
          exclude: Type.Optional(
            Type.Union([Type.String({ maxLength: 64 * 1024 }), Type.Array(Type.String({ maxLength: 64 * 1024 }), { maxItems: MAX_EXCLUDE })], {
              description: 'item ids not to return: comma-separated, or the parameter repeated',
            }),
          ),
          category: Type.Optional(Id),
        }),
        response: { 200: Recommendations, '4xx': ErrorBody, '5xx': ErrorBody },
      },
    },
    async (request): Promise<RecommendationsBody> => {
      const userId = requireValidId(request.params.userId, 'userId');
      const { k, category } = request.query;
      if (category !== undefined) requireValidId(category, 'category');
      const exclude = parseExclude(request.query.exclude);
      const loaded = await loadUserForRecommend(deps, userId, !deps.health.report().checks.redis, request.log);
      const { result, body } = recommendationsView(deps, userId, loaded, { k, exclude, ...(category !== undefined ? { category } : {}) });
      if (loaded.degraded) metrics.fallbacks.inc({ reason: 'degraded' });
      else if (result.cold) metrics.fallbacks.inc({ reason: 'cold' });
      else if (result.fallback) metrics.fallbacks.inc({ reason: 'underfilled' });
      if (result.underfilled > 0) metrics.underfilled.inc(result.underfilled);
      if (result.candidates) metrics.candidates.inc({ source: result.candidates });
      return body;
    },
  );
}

function parseExclude(raw: string | string[] | undefined): string[] {
  if (raw === undefined) return [];
  const ids = (Array.isArray(raw) ? raw : [raw]).flatMap((part) => part.split(',')).filter((s) => s !== '');
  if (ids.length > MAX_EXCLUDE) {
    throw new StreamrecError('BAD_REQUEST', `exclude lists ${ids.length} ids, the limit is ${MAX_EXCLUDE}`);
  }
  return ids.map((id, i) => requireValidId(id, `exclude[${i}]`));
};

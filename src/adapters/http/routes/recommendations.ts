import { randomUUID } from 'node:crypto';
import { Type } from '@fastify/type-provider-typebox';
import { isStreamrecError, StreamrecError } from '../../../errors.ts';
import type { UserState } from '../../../core/user-state.ts';
import { ErrorBody, Id, kQuery, Recommendations, UserParams, type RecommendationsBody } from '../schemas.ts';
import { boundedRead, requireValidId, type RouteContext, type TypedApp } from '../route-kit.ts';

const MAX_EXCLUDE = 1000;

export function registerRecommendationRoutes(app: TypedApp, ctx: RouteContext): void {
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
      const { user, degraded } = await loadUser(ctx, userId, request.log);
      const result = deps.recommender.recommend(user, { k, exclude, ...(category !== undefined ? { category } : {}) });
      const { cold } = result;
      if (degraded) metrics.fallbacks.inc({ reason: 'degraded' });
      else if (cold) metrics.fallbacks.inc({ reason: 'cold' });
      else if (result.fallback) metrics.fallbacks.inc({ reason: 'underfilled' });
      if (result.underfilled > 0) metrics.underfilled.inc(result.underfilled);
      if (result.candidates) metrics.candidates.inc({ source: result.candidates });
      return {
        userId,
        items: result.items,
        modelVersion: deps.modelVersion(),
        recommendationId: randomUUID(),
        cold,
        fallback: result.fallback || cold,
        degraded,
        underfilled: result.underfilled,
      };
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
}

/**
 * Personalisation needs Redis; recommend must answer without it. When the background
 * probe already knows Redis is down we skip the read (no timeout paid per request);
 * otherwise the read is bounded and any failure degrades to the trending fallback.
 */
async function loadUser(
  ctx: RouteContext,
  userId: string,
  log: { warn: (obj: object, msg: string) => void },
): Promise<{ user: UserState | undefined; degraded: boolean }> {
  if (!ctx.deps.health.report().checks.redis) return { user: undefined, degraded: true };
  try {
    const user = await boundedRead(ctx.deps.users.get(userId), ctx.deps.config.http.storeTimeoutMs, 'reading the user state');
    return { user, degraded: false };
  } catch (err) {
    // Redis answered but the record is unreadable: the user is served as a cold one, not degraded.
    const corrupt = isStreamrecError(err) && err.code === 'CORRUPT_RECORD';
    log.warn({ err: err instanceof Error ? err.message : String(err), userId }, corrupt ? 'user state unreadable, answering from trending' : 'user state unavailable, answering from trending');
    return { user: undefined, degraded: !corrupt };
  }
}

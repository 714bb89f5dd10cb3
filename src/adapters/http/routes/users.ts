import { Type } from '@fastify/type-provider-typebox';
import { norm } from '../../../core/vector.ts';
import { StreamrecError, isStreamrecError } from '../../../errors.ts';
import { ErrorBody, kQuery, UserParams, UserView } from '../schemas.ts';
import { boundedRead, requireValidId, toNumbers, type RouteContext, type TypedApp } from '../route-kit.ts';

export function registerUserRoutes(app: TypedApp, ctx: RouteContext): void {
  const { deps } = ctx;
  const { config } = deps;

  app.get(
    '/v1/users/:userId',
    {
      onRequest: ctx.readKey,
      schema: {
        summary: 'What the engine knows about a user: embedding, norm, recent history, nearest items, the stored ranking',
        tags: ['inspect'],
        params: UserParams,
        querystring: Type.Object({ k: kQuery(config.model.k, config.model.maxK) }),
        response: { 200: UserView, '4xx': ErrorBody, '5xx': ErrorBody },
      },
    },
    async (request) => {
      const userId = requireValidId(request.params.userId, 'userId');
      let user;
      try {
        user = await boundedRead(deps.users.get(userId), config.http.storeTimeoutMs, 'reading the user state');
      } catch (err) {
        if (isStreamrecError(err) && err.code !== 'INTERNAL') throw err;
        throw new StreamrecError('REDIS_UNAVAILABLE', 'user state could not be read', { cause: err, hint: 'retry shortly' });
      }
      if (!user) {
        throw new StreamrecError('NOT_FOUND', `no events seen for user ${userId}`, {
          hint: 'recommendations for unknown users are trending items',
        });
      }
      const userNorm = norm(user.vector);
      const nearestItems = userNorm === 0 ? [] : deps.index.search(user.vector, request.query.k, deps.catalog.isAvailable);
      return {
        userId,
        embedding: toNumbers(user.vector),
        norm: userNorm,
        eventCount: user.eventCount,
        // Newest first: that is what a person looking at it wants to see.
        history: [...user.history].reverse(),
        lastEventTs: user.lastEventTs === 0 ? null : user.lastEventTs,
        updatedAtMs: user.updatedAtMs === 0 ? null : user.updatedAtMs,
        nearestItems,
        storedRanking: user.pool
          ? {
              items: user.pool.hashes.map((hash, i) => {
                const ids = deps.index.idsWithHash(hash);
                return { itemId: ids.length === 1 ? ids[0]! : null, score: user.pool!.scores[i] ?? 0 };
              }),
              served: deps.recommender.servesStoredRanking(user),
            }
          : null,
        modelVersion: deps.modelVersion(),
      };
    },
  );
}

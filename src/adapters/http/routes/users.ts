import { Type } from '@fastify/type-provider-typebox';
import { ErrorBody, kQuery, UserParams, UserView } from '../schemas.ts';
import { requireValidId, type RoutePlugin } from '../route-kit.ts';
import { userView } from '../views.ts';

export const userRoutes: RoutePlugin = async (app, ctx) => {
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
    async (request) => userView(deps, requireValidId(request.params.userId, 'userId'), request.query.k),
  );
};

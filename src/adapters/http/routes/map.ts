import { Type } from '@fastify/type-provider-typebox';
import { norm } from '../../../core/vector.ts';
import { createEmbeddingMap } from '../embedding-map.ts';
import { ErrorBody, Id, kQuery, MapBody } from '../schemas.ts';
import { boundedRead, requireValidId, type RoutePlugin } from '../route-kit.ts';

export const mapRoutes: RoutePlugin = async (app, ctx) => {
  const { deps } = ctx;
  const map = createEmbeddingMap(deps.index, deps.config.http.mapSampleSize);
  const { maxK } = deps.config.model;

  app.get(
    '/v1/map',
    {
      onRequest: ctx.readKey,
      schema: {
        summary: '2-D PCA map of (a sample of) item embeddings, with a user and their recommendations placed on it',
        tags: ['inspect'],
        querystring: Type.Object({ userId: Type.Optional(Id), k: kQuery(Math.min(10, maxK), Math.min(100, maxK)) }),
        response: { 200: MapBody, '4xx': ErrorBody, '5xx': ErrorBody },
      },
    },
    async (request) => {
      const projection = map.current();
      const empty = { points: [], sampled: false, indexSize: deps.index.size, explainedVariance: [], user: null, recommended: [] };
      if (!projection) return empty;
      const withCategory = (p: { itemId: string; x: number; y: number }) => {
        const category = deps.catalog.categoryOf(p.itemId);
        return category === undefined ? p : { ...p, category };
      };
      const body = {
        points: projection.points.map(withCategory),
        sampled: projection.sampled,
        indexSize: projection.indexSize,
        explainedVariance: projection.explainedVariance,
        user: null as { userId: string; x: number; y: number } | null,
        recommended: [] as Array<{ itemId: string; x: number; y: number }>,
      };
      const { userId } = request.query;
      if (userId === undefined) return body;
      requireValidId(userId, 'userId');
      const user = await boundedRead(deps.users.get(userId), deps.config.http.storeTimeoutMs, 'reading the user state');
      if (user && norm(user.vector) > 0) body.user = { userId, ...map.project(projection, user.vector) };
      const recs = deps.recommender.recommend(user, { k: request.query.k });
      for (const r of recs.items) {
        const v = deps.index.vectorOf(r.itemId);
        if (v) body.recommended.push(withCategory({ itemId: r.itemId, ...map.project(projection, v) }));
      }
      return body;
    },
  );
};

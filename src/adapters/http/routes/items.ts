import { Type } from '@fastify/type-provider-typebox';
import { StreamrecError } from '../../../errors.ts';
import type { CatalogItem } from '../../../core/stores.ts';
import { ErrorBody, ItemParams, ItemPut, ItemRemoved, ItemView, ItemWritten, kQuery, SimilarItems } from '../schemas.ts';
import { boundedWrite, requireValidId, type RoutePlugin } from '../route-kit.ts';
import { itemView, metadataOf, requireKnownItem } from '../views.ts';

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

export const itemRoutes: RoutePlugin = async (app, ctx) => {
  const { deps } = ctx;
  const { config, catalog } = deps;

  // Catalog writes need Redis: when the probe already knows it is down, say so at once.
  function requireRedis(): void {
    if (!deps.health.report().checks.redis) {
      throw new StreamrecError('REDIS_UNAVAILABLE', 'the catalog was not changed: Redis does not answer', { hint: 'retry the request' });
    }
  }

  app.get(
    '/v1/items/:itemId/similar',
    {
      onRequest: ctx.readKey,
      schema: {
        summary: 'Items to show beside this one: what shoppers viewed around it (its co-visitation rules, the sessions holding it) and its nearest items in embedding space, scored together (available items only)',
        tags: ['recommend'],
        params: ItemParams,
        querystring: Type.Object({ k: kQuery(config.model.k, config.model.maxK) }),
        response: { 200: SimilarItems, ...errors },
      },
    },
    async (request) => {
      const itemId = requireValidId(request.params.itemId, 'itemId');
      // An item without a vector or catalog entry may still have rules and sessions beside it.
      const items = deps.recommender.similar(itemId, request.query.k);
      if (items.length === 0) requireKnownItem(deps, itemId);
      return { itemId, items, modelVersion: deps.modelVersion() };
    },
  );

  app.get(
    '/v1/items/:itemId',
    {
      onRequest: ctx.readKey,
      schema: {
        summary: 'What the engine knows about an item: embedding, catalog metadata, neighbours',
        tags: ['inspect'],
        params: ItemParams,
        querystring: Type.Object({ k: kQuery(config.model.k, config.model.maxK) }),
        response: { 200: ItemView, ...errors },
      },
    },
    async (request) => itemView(deps, requireValidId(request.params.itemId, 'itemId'), request.query.k),
  );

  app.put(
    '/v1/items/:itemId',
    {
      onRequest: ctx.requireKey,
      schema: {
        summary: 'Create or replace catalog metadata, availability and promotion (API key)',
        tags: ['catalog'],
        security: [{ apiKey: [] }],
        params: ItemParams,
        body: ItemPut,
        response: { 200: ItemWritten, ...errors },
      },
    },
    async (request) => {
      const itemId = requireValidId(request.params.itemId, 'itemId');
      const { title, category, available, boost, boostUntilMs } = request.body;
      if (category !== undefined) requireValidId(category, 'category');
      const item: CatalogItem = { itemId, available: available ?? true, updatedAtMs: ctx.nowMs() };
      if (title !== undefined) item.title = title;
      if (category !== undefined) item.category = category;
      if (boost !== undefined) item.boost = boost;
      if (boostUntilMs !== undefined) item.boostUntilMs = boostUntilMs;
      requireRedis();
      await boundedWrite(catalog.put(item), config.http.produceTimeoutMs, 'writing the catalog item');
      return { itemId, metadata: metadataOf(item) };
    },
  );

  app.delete(
    '/v1/items/:itemId',
    {
      onRequest: ctx.requireKey,
      schema: {
        summary: 'Remove an item from every recommendation in every process (API key)',
        tags: ['catalog'],
        security: [{ apiKey: [] }],
        params: ItemParams,
        response: { 200: ItemRemoved, ...errors },
      },
    },
    async (request) => {
      const itemId = requireValidId(request.params.itemId, 'itemId');
      requireKnownItem(deps, itemId);
      requireRedis();
      await boundedWrite(catalog.remove(itemId, ctx.nowMs()), config.http.produceTimeoutMs, 'removing the catalog item');
      return { itemId, removed: true as const };
    },
  );
};

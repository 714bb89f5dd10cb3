import { Type } from '@fastify/type-provider-typebox';
import { HealthBody, ReadyBody } from '../schemas.ts';
import type { RoutePlugin } from '../route-kit.ts';

export const healthRoutes: RoutePlugin = async (app, ctx) => {
  const { deps, metrics } = ctx;

  app.get('/healthz', { schema: { summary: 'The process answers', tags: ['ops'], response: { 200: HealthBody } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Ready only when the index is loaded, the clickstream feed has replayed its lookback, and Kafka and Redis answer (details need the key when reads do)',
        tags: ['ops'],
        response: { 200: ReadyBody, 503: ReadyBody },
      },
    },
    async (request, reply) => {
      const { state, checks } = deps.health.report();
      const ready = state === 'running' && checks.index && checks.feed && checks.redis && checks.kafka;
      // Probes carry no key and need only the status; the details are a read.
      if (!ctx.mayRead(request)) return reply.status(ready ? 200 : 503).send({ ready });
      return reply
        .status(ready ? 200 : 503)
        .send({ ready, state, checks, indexSize: deps.index.size, modelVersion: deps.modelVersion() });
    },
  );

  app.get(
    '/metrics',
    { onRequest: ctx.readKey, schema: { summary: 'Prometheus metrics', tags: ['ops'], response: { 200: Type.String() } } },
    async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
};

import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface HttpMetrics {
  registry: Registry;
  fallbacks: Counter<'reason'>;
  underfilled: Counter;
  candidates: Counter<'source'>;
}

/**
 * Prometheus metrics of the API: request latency per route (the route pattern, not the
 * URL, so cardinality stays bounded), recommend fallbacks by reason, underfilled slots, and
 * where model recommendations took their candidates from.
 */
export function installMetrics(app: FastifyInstance, shared: Registry | undefined): HttpMetrics {
  const registry = shared ?? new Registry();
  if (!shared) collectDefaultMetrics({ register: registry });
  const latency = new Histogram({
    name: 'streamrec_http_request_duration_seconds',
    help: 'HTTP request latency by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const fallbacks = new Counter({
    name: 'streamrec_recommend_fallbacks_total',
    help: 'Recommendations answered (partly) from trending, by reason: cold, underfilled, degraded',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const underfilled = new Counter({
    name: 'streamrec_recommend_underfilled_items_total',
    help: 'Requested recommendation slots that could not be filled',
    registers: [registry],
  });
  const candidates = new Counter({
    name: 'streamrec_recommend_candidates_total',
    help: 'Model recommendations by where they came from: pool (the ranking the learner stored with the user state) or search (this process searched its index)',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    latency.observe({ route, method: request.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  return { registry, fallbacks, underfilled, candidates };
}

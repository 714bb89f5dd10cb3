import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { expect } from 'vitest';
import { installMetrics } from '../../src/adapters/http/metrics.ts';
import { createPipelineMetrics, registerBlendMetrics, registerColdMetrics, registerIndexMetrics } from '../../src/adapters/metrics/pipeline-metrics.ts';
import { createRefitterMetrics } from '../../src/adapters/metrics/refitter-metrics.ts';

/** Every metric the learner, the refitter and the API export, with its label names, registered the way the processes register them. */
export async function exported(): Promise<Map<string, Set<string>>> {
  const registry = new Registry();
  createPipelineMetrics(registry);
  registerBlendMetrics(registry, () => ({ sessionWeight: 30, served: '30', labels: ['30'], credits: [0], hitRates: [0] }));
  registerIndexMetrics(registry, { size: 1, stale: 0, rebuilds: 0 });
  registerColdMetrics(registry, () => ({ halfLifeMs: 86_400_000, entry: false, horizons: [{ halfLifeMs: 86_400_000, entry: false }, { halfLifeMs: 86_400_000, entry: true }], hitRates: [0, 0] }));
  createRefitterMetrics(registry, { caughtUp: () => true, published: () => 0, nextRefitAt: () => 0, eventsSeen: () => 0, messages: () => ({ observed: 0, skipped: 0, duplicate: 0, repeated: 0 }) });
  const app = Fastify();
  installMetrics(app, registry);
  await app.close();
  const out = new Map<string, Set<string>>();
  for (const json of await registry.getMetricsAsJSON()) {
    const metric = registry.getSingleMetric(json.name) as unknown as { labelNames?: string[] };
    const labels = new Set<string>(metric.labelNames ?? []);
    const names = String(json.type) === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => json.name + s) : [json.name];
    for (const name of names) out.set(name, name.endsWith('_bucket') ? new Set([...labels, 'le']) : labels);
  }
  return out;
}

// Labels Prometheus adds at scrape (instance, job) and the registries' default label (role).
export const SCRAPE_LABELS = ['instance', 'job', 'role'];

/**
 * Fails unless every streamrec_ metric `expr` names is exported and every label it groups or
 * matches by is on one of them (or one Prometheus adds at scrape).
 */
export function expectQueryable(expr: string, metrics: Map<string, Set<string>>, where: string, extraLabels: readonly string[] = []): void {
  const names = [...expr.matchAll(/\bstreamrec_[a-z_]+/g)].map((m) => m[0]);
  expect(names.length, `${where}: ${expr}`).toBeGreaterThan(0);
  const labels = new Set([...SCRAPE_LABELS, ...extraLabels]);
  for (const name of names) {
    expect(metrics.has(name), `${where}: ${name} is not exported`).toBe(true);
    for (const l of metrics.get(name)!) labels.add(l);
  }
  const used = [
    ...[...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim())),
    ...[...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/([a-z_]+)\s*=~?/g)].map((l) => l[1]!)),
  ];
  for (const label of used) expect(labels.has(label), `${where}: label ${label} not on ${names.join(', ')}`).toBe(true);
}

import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { installMetrics } from '../../src/adapters/http/metrics.ts';
import { createPipelineMetrics, registerBlendMetrics, registerColdMetrics, registerIndexMetrics } from '../../src/adapters/metrics/pipeline-metrics.ts';
import { createRefitterMetrics } from '../../src/adapters/metrics/refitter-metrics.ts';

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string; datasource: { uid: string } }>;
}

const dashboard = JSON.parse(readFileSync(new URL('../../ops/grafana/streamrec.json', import.meta.url), 'utf8')) as { uid: string; panels: Panel[] };

/** Every metric the learner, the refitter and the API export, with its label names, registered the way the processes register them. */
async function exported(): Promise<Map<string, Set<string>>> {
  const registry = new Registry();
  createPipelineMetrics(registry);
  registerBlendMetrics(registry, () => ({ sessionWeight: 30, served: '30', labels: ['30'], credits: [0], hitRates: [0] }));
  registerIndexMetrics(registry, { size: 1, stale: 0, rebuilds: 0 });
  registerColdMetrics(registry, () => ({ halfLifeMs: 86_400_000, halfLivesMs: [86_400_000], hitRates: [0] }));
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
const SCRAPE_LABELS = ['instance', 'job', 'role'];

describe('the Grafana dashboard (ops/grafana/streamrec.json)', () => {
  it('queries only metrics and labels the learner, the refitter and the API export', async () => {
    const metrics = await exported();
    const targets = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));
    expect(targets.length).toBeGreaterThan(10);
    for (const t of targets) {
      const names = [...t.expr.matchAll(/\bstreamrec_[a-z_]+/g)].map((m) => m[0]);
      expect(names.length, `${t.panel}: ${t.expr}`).toBeGreaterThan(0);
      const labels = new Set(SCRAPE_LABELS);
      for (const name of names) {
        expect(metrics.has(name), `${t.panel}: ${name} is not exported`).toBe(true);
        for (const l of metrics.get(name)!) labels.add(l);
      }
      const used = [
        ...[...t.expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim())),
        ...[...t.expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/([a-z_]+)\s*=~?/g)].map((l) => l[1]!)),
      ];
      for (const label of used) expect(labels.has(label), `${t.panel}: label ${label} not on ${names.join(', ')}`).toBe(true);
      expect(t.datasource.uid).toBe('${datasource}');
    }
  });

  it('covers throughput, latency, live accuracy and model updates', () => {
    const all = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr).join('\n');
    for (const metric of ['streamrec_events_applied_total', 'streamrec_consumer_lag', 'streamrec_freshness_seconds_bucket', 'streamrec_http_request_duration_seconds_bucket', 'streamrec_blend_hit_rate', 'streamrec_cold_hit_rate', 'streamrec_index_stale_points', 'streamrec_refits_total', 'streamrec_refit_release_hit_rate']) {
      expect(all).toContain(metric);
    }
    expect(dashboard.uid).toBe('streamrec');
  });
});

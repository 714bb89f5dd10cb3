import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectQueryable, exported } from './exported-metrics.ts';

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string; datasource: { uid: string } }>;
}

const dashboard = JSON.parse(readFileSync(new URL('../../ops/grafana/streamrec.json', import.meta.url), 'utf8')) as { uid: string; panels: Panel[] };

describe('the Grafana dashboard (ops/grafana/streamrec.json)', () => {
  it('queries only metrics and labels the learner, the refitter and the API export', async () => {
    const metrics = await exported();
    const targets = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));
    expect(targets.length).toBeGreaterThan(10);
    for (const t of targets) {
      expectQueryable(t.expr, metrics, t.panel);
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

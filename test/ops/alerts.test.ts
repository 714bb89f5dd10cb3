import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { expectQueryable, exported } from './exported-metrics.ts';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string };
}

const rules = (parse(readFileSync(new URL('../../ops/alerts.yml', import.meta.url), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
const scrape = parse(readFileSync(new URL('../../ops/prometheus.yml', import.meta.url), 'utf8')) as { rule_files: string[]; scrape_configs: Array<{ job_name: string }> };

describe('the alerting rules (ops/alerts.yml)', () => {
  it('query only metrics and labels the processes export, each with a severity and a summary', async () => {
    const metrics = await exported();
    expect(rules.length).toBeGreaterThan(5);
    for (const rule of rules) {
      // `up` is Prometheus's own series for every scrape target.
      if (rule.alert === 'StreamrecProcessDown') expect(rule.expr).toMatch(/^up\{job=~"streamrec-\.\*"\}/);
      else expectQueryable(rule.expr, metrics, rule.alert);
      expect(['critical', 'warning', 'info']).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length).toBeGreaterThan(20);
    }
  });

  it('are loaded by the scrape config, which scrapes every process they speak of', () => {
    expect(scrape.rule_files).toEqual(['alerts.yml']);
    expect(scrape.scrape_configs.map((c) => c.job_name).sort()).toEqual(['streamrec-api', 'streamrec-learner', 'streamrec-refitter']);
    const all = rules.map((r) => r.expr).join('\n');
    for (const metric of ['streamrec_consumer_lag', 'streamrec_freshness_seconds_bucket', 'streamrec_http_request_duration_seconds_bucket', 'streamrec_refits_total', 'streamrec_blend_hit_rate']) expect(all).toContain(metric);
  });
});

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCharts } from '../../native-bench/lib/charts.ts';
import { writeMarkdown, writeResult } from '../../native-bench/lib/report.ts';
import type { BenchResult } from '../../native-bench/lib/types.ts';
import { expectWellFormedSvg } from '../helpers/svg.ts';

function result(name: string, data: Record<string, unknown>): BenchResult {
  return {
    name, title: `${name} title`, quick: true, command: 'npm run bench -- --quick', durationS: 1,
    machine: { cores: 2, cpuModel: 'test', memoryGiB: 1, kernel: 'k', node: process.version, kafka: '4', redis: '7', date: '2026-11-25T00:00:00Z' },
    headline: [], tables: [], notes: [], skipped: [], data,
  };
}

const ann = result('ann', {
  rows: [1000, 5000].flatMap((count) => [
    { count, label: 'exact (src/core/exact-index.ts)', contender: 'exact', ef: null, queriesPerS: 200, recallAt10: 1 },
    { count, label: 'hnsw (src/core/hnsw-index.ts)', contender: 'hnsw', ef: 16, queriesPerS: 4000, recallAt10: 0.95 },
    { count, label: 'hnsw (src/core/hnsw-index.ts)', contender: 'hnsw', ef: 64, queriesPerS: 2000, recallAt10: 0.999 },
    { count, label: 'usearch (ef 64, 1 thread)', contender: 'usearch', ef: null, queriesPerS: 2500, recallAt10: 0.999 },
  ]),
});
const dist = (p50: number) => ({ count: 10, min: p50 / 2, p50, p90: p50 * 2, p99: p50 * 3, max: p50 * 4, mean: p50 });
const pipeline = result('pipeline', { freshness: [{ rate: 1000, toTopic: dist(120) }, { rate: 5000, toTopic: dist(3500) }] });
const row = (rate: number | null, p50Ms: number, target = 'recommend') => ({ target, rate, achievedPerS: 1, p50Ms, p99Ms: p50Ms * 3, maxMs: p50Ms * 5, errors: 0, non2xx: 0, sustainable: true });
const api = result('api', {
  rows: [row(null, 13), row(500, 8), row(1000, 7), row(1000, 2, 'fastify hello-world')],
  pacedRows: [row(500, 3), row(1000, 4), row(2000, 0)],
});

describe('native-bench charts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamrec-charts-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds ANN (per size), freshness and API latency charts with their series and axes', () => {
    const charts = buildCharts([ann, pipeline, api, result('redis', {})]);
    expect(charts.map((c) => c.file)).toEqual(['ann-1000.svg', 'ann-5000.svg', 'pipeline-freshness.svg', 'api-latency.svg']);
    for (const c of charts) expectWellFormedSvg(c.svg);
    const [annSvg, , fresh, lat] = charts.map((c) => c.svg) as [string, string, string, string];
    expect(annSvg.match(/<polyline /g)).toHaveLength(3);
    for (const s of ['exact (src/core/exact-index.ts)', 'hnsw (src/core/hnsw-index.ts)', 'usearch (ef 64, 1 thread)', '>ef 16<', 'recall@10', 'queries/s']) expect(annSvg).toContain(s);
    expect(fresh.match(/<polyline /g)).toHaveLength(3);
    for (const s of ['to topic p50', 'to topic p99', 'to topic max', 'asked events/s', 'latency ms', 'target p99']) expect(fresh).toContain(s);
    // Autocannon's max-rate row and hello-world are not points of the recommend curves.
    expect(lat.match(/<polyline /g)).toHaveLength(4);
    for (const s of ['p50, evenly spaced', 'p99, evenly spaced', 'p50, autocannon', 'p99, autocannon', 'asked requests/s']) expect(lat).toContain(s);
    // The 0 ms row (p50 and p99) cannot sit on a log axis: 3 - 1 points per paced line.
    expect(lat.match(/<circle /g)).toHaveLength(2 + 2 + 2 + 2);
  });

  it('latest.md links the charts; a rebuild keeps charts of the JSON files present and drops the rest', () => {
    for (const r of [ann, pipeline, api]) writeResult(dir, r);
    writeMarkdown(dir);
    const md = readFileSync(join(dir, 'latest.md'), 'utf8');
    for (const f of ['ann-1000.svg', 'ann-5000.svg', 'pipeline-freshness.svg', 'api-latency.svg']) {
      expect(existsSync(join(dir, f))).toBe(true);
      expect(md).toContain(`](${f})`);
    }
    rmSync(join(dir, 'api.json'));
    writeFileSync(join(dir, 'unrelated.svg'), '<svg/>');
    writeMarkdown(dir);
    expect(existsSync(join(dir, 'api-latency.svg'))).toBe(false);
    expect(existsSync(join(dir, 'ann-1000.svg'))).toBe(true);
    expect(existsSync(join(dir, 'unrelated.svg'))).toBe(true);
    expect(readFileSync(join(dir, 'latest.md'), 'utf8')).not.toContain('api-latency.svg');
  });
});

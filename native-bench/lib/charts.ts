import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderLineChartSvg, type ChartSeries, type LineChart } from '../../src/eval/chart.ts';
import type { BenchResult } from './types.ts';
import { DAMON_PAUSED } from './damon.ts';

/** A chart built from one bench's `data`, written next to latest.md and shown in its section. */
export interface BenchChart {
  bench: string;
  /** File name only (no directory), `<bench>-<what>.svg`. */
  file: string;
  title: string;
  svg: string;
}

/** Targets from the pipeline and serving issues, drawn as reference lines. */
const FRESHNESS_TARGET_P99_MS = 250;
const RECOMMEND_TARGET_P99_MS = 5;
/** Chart files this module owns, so a chart whose data is gone can be removed. */
const CHART_FILE = /^(ann|pipeline|api)-[a-z0-9-]+\.svg$/;

interface AnnRow { count: number; label: string; contender: string; ef: number | null; queriesPerS: number; recallAt10: number }
interface FreshnessRow { rate: number; toTopic: { p50: number; p99: number; max: number } }
interface LoadRow { target: string; rate: number | null; p50Ms: number; p99Ms: number }

/** Every chart the results hold data for; a bench without the fields gets none. */
export function buildCharts(results: readonly BenchResult[]): BenchChart[] {
  const out: BenchChart[] = [];
  for (const r of results) {
    const make = r.name === 'ann' ? annCharts : r.name === 'pipeline' ? freshnessCharts : r.name === 'api' ? apiCharts : undefined;
    for (const c of make?.(r.data ?? {}, r.quick) ?? []) {
      out.push({ bench: r.name, file: `${r.name}-${c.slug}.svg`, title: c.chart.title, svg: renderLineChartSvg(c.chart) });
    }
  }
  return out;
}

/** Writes the charts and removes this module's charts that the results no longer produce. */
export function writeCharts(outDir: string, charts: readonly BenchChart[]): void {
  const keep = new Set(charts.map((c) => c.file));
  if (existsSync(outDir)) {
    for (const f of readdirSync(outDir)) if (CHART_FILE.test(f) && !keep.has(f)) rmSync(join(outDir, f));
  }
  for (const c of charts) writeFileSync(join(outDir, c.file), c.svg);
}

type Made = Array<{ slug: string; chart: LineChart }>;

const quickNote = (quick: boolean) => (quick ? ' (quick mode)' : '');

/** queries/s against recall@10 per contender, one chart per size: the ANN trade-off curve. */
function annCharts(data: Record<string, unknown>, quick: boolean): Made {
  const rows = (Array.isArray(data.rows) ? data.rows : []) as AnnRow[];
  const made: Made = [];
  for (const count of [...new Set(rows.map((r) => r.count))].sort((a, b) => a - b)) {
    const at = rows.filter((r) => r.count === count && Number.isFinite(r.recallAt10) && r.queriesPerS > 0);
    const series: ChartSeries[] = [...new Set(at.map((r) => r.label))].map((label) => ({
      name: label,
      points: at
        .filter((r) => r.label === label)
        .sort((a, b) => (a.ef ?? 0) - (b.ef ?? 0))
        // hnswlib-node direct sweeps the same ef values at the same recall: one set of labels is enough.
        .map((r) => ({ x: r.recallAt10, y: r.queriesPerS, label: r.contender === 'hnsw' && r.ef !== null ? `ef ${r.ef}` : undefined })),
    }));
    if (series.length === 0) continue;
    made.push({
      slug: String(count),
      chart: {
        title: `ANN, ${count.toLocaleString('en-US')} items: queries/s vs recall@10 (up and right is better)${quickNote(quick)}`,
        x: { label: 'recall@10 against the exact twin' },
        y: { label: 'queries/s, one thread (log scale)', log: true },
        series,
        dots: true,
      },
    });
  }
  return made;
}

/** Event ts → list on topic, p50 / p99 / max against the asked event rate. */
function freshnessCharts(data: Record<string, unknown>, quick: boolean): Made {
  const rows = ((Array.isArray(data.freshness) ? data.freshness : []) as FreshnessRow[]).slice().sort((a, b) => a.rate - b.rate);
  if (rows.length === 0) return [];
  const series = (['p50', 'p99', 'max'] as const).map((q) => ({ name: `to topic ${q}`, points: rows.map((f) => ({ x: f.rate, y: f.toTopic[q] })) }));
  return [{
    slug: 'freshness',
    chart: {
      title: `Freshness: event ts → list on the recommendations topic${quickNote(quick)}`,
      x: { label: 'asked events/s (log scale)', log: true },
      y: { label: 'latency ms (log scale)', log: true },
      series,
      guides: [{ axis: 'y', at: FRESHNESS_TARGET_P99_MS, label: `target p99 ≤ ${FRESHNESS_TARGET_P99_MS} ms (at 2,000/s)` }],
      dots: true,
    },
  }];
}

/**
 * recommend p50 / p99 against the asked rate: evenly spaced (solid), autocannon's bursts
 * (dashed), and evenly spaced with the kernel's DAMON reclaim paused when the run had --pause-damon.
 */
function apiCharts(data: Record<string, unknown>, quick: boolean): Made {
  const fixed = (v: unknown, target = 'recommend') => ((Array.isArray(v) ? v : []) as LoadRow[]).filter((r) => r.target === target && r.rate !== null).sort((a, b) => a.rate! - b.rate!);
  const methods = [
    { name: 'evenly spaced', rows: fixed(data.pacedRows), dashed: false },
    { name: 'autocannon', rows: fixed(data.rows), dashed: true },
    { name: 'evenly spaced, DAMON paused', rows: fixed(data.pacedRows, `recommend, ${DAMON_PAUSED}`), dashed: false },
  ].filter((m) => m.rows.length > 0);
  if (methods.length === 0) return [];
  const series: ChartSeries[] = methods.flatMap((m) =>
    (['p50Ms', 'p99Ms'] as const).map((q) => ({ name: `${q.slice(0, 3)}, ${m.name}`, dashed: m.dashed, points: m.rows.map((r) => ({ x: r.rate!, y: r[q] })) })),
  );
  return [{
    slug: 'latency',
    chart: {
      title: `recommend latency at fixed request rates${quickNote(quick)}`,
      x: { label: 'asked requests/s' },
      y: { label: 'latency ms (log scale)', log: true },
      series,
      guides: [{ axis: 'y', at: RECOMMEND_TARGET_P99_MS, label: `target p99 ≤ ${RECOMMEND_TARGET_P99_MS} ms (at 1,000/s)` }],
      dots: true,
    },
  }];
}

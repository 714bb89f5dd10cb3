import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCharts, writeCharts, type BenchChart } from './charts.ts';
import { machineLine } from './machine.ts';
import type { BenchResult, Cell, ResultTable } from './types.ts';

/** Order of sections in latest.md. */
export const SECTION_ORDER = ['ann', 'redis', 'pipeline', 'api', 'quality', 'eval-speed', 'model-cost', 'startup', 'soak'];

export function writeResult(outDir: string, result: BenchResult): string {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${result.name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

export function readResults(outDir: string): BenchResult[] {
  const files = readdirSync(outDir).filter((f) => f.endsWith('.json'));
  const results = files.map((f) => JSON.parse(readFileSync(join(outDir, f), 'utf8')) as BenchResult);
  const rank = (n: string) => (SECTION_ORDER.includes(n) ? SECTION_ORDER.indexOf(n) : SECTION_ORDER.length);
  return results.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/**
 * latest.md and its SVG charts are rebuilt from every JSON in the folder, so running one
 * benchmark keeps the others' sections and charts.
 */
export function writeMarkdown(outDir: string): string {
  const results = readResults(outDir);
  const charts = buildCharts(results);
  writeCharts(outDir, charts);
  const file = join(outDir, 'latest.md');
  writeFileSync(file, renderMarkdown(results, charts));
  return file;
}

export function renderMarkdown(results: readonly BenchResult[], charts: readonly BenchChart[] = []): string {
  const out: string[] = ['# streamrec native-bench results', ''];
  const headlines = results.flatMap((r) => r.headline.map((h) => ({ bench: r.name, ...h })));
  if (headlines.length > 0) {
    out.push('## Headline figures', '', '| bench | figure | value |', '| --- | --- | --- |');
    for (const h of headlines) out.push(`| ${h.bench} | ${h.label} | ${fmt(h.value)}${h.unit ? ` ${h.unit}` : ''} |`);
    out.push('');
  }
  for (const r of results) {
    out.push(`## ${r.title} (\`${r.name}\`)`, '');
    out.push(`- Command: \`${r.command}\`${r.quick ? ' (quick mode: small sizes, not representative)' : ''}`);
    const load = r.loadAverage ? `; load average ${r.loadAverage.before} before, ${r.loadAverage.after} after` : '';
    out.push(`- Machine: ${machineLine(r.machine)}; took ${r.durationS} s${load}`);
    if (r.versions && Object.keys(r.versions).length > 0) {
      out.push(`- Versions: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
    for (const n of r.notes) out.push(`- ${n}`);
    for (const s of r.skipped) out.push(`- **Not measured:** ${s.what}: ${s.reason}`);
    out.push('');
    for (const t of r.tables) out.push(...renderTable(t), '');
    for (const c of charts.filter((ch) => ch.bench === r.name)) out.push(`![${c.title}](${c.file})`, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

export function renderTable(t: ResultTable): string[] {
  const lines = [`**${t.title}**`, '', `| ${t.columns.join(' | ')} |`, `| ${t.columns.map(() => '---').join(' | ')} |`];
  for (const row of t.rows) lines.push(`| ${row.map(fmt).join(' | ')} |`);
  for (const n of t.notes ?? []) lines.push('', `_${n}_`);
  return lines;
}

function fmt(v: Cell): string {
  if (v === null) return '–';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return '–';
    return Number.isInteger(v) ? v.toLocaleString('en-US') : String(v);
  }
  return v;
}

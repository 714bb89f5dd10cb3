import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Cell } from '../lib/types.ts';

const run = promisify(execFile);

export interface CeilingRow {
  test: string;
  pipeline: number;
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
}

/** redis-benchmark (Debian redis-tools) against the same server: what Redis itself can do here. */
export async function redisBenchmark(port: number, requests: number, valueBytes: number): Promise<CeilingRow[]> {
  const rows: CeilingRow[] = [];
  for (const pipeline of [1, 32]) {
    const args = ['-p', String(port), '-q', '--csv', '-n', String(requests), '-c', '50', '-t', 'set,get', '-d', String(valueBytes), '-P', String(pipeline)];
    const { stdout } = await run('redis-benchmark', args, { timeout: 120_000 });
    for (const line of stdout.trim().split('\n').slice(1)) {
      const f = line.split(',').map((c) => c.replaceAll('"', ''));
      rows.push({ test: f[0] ?? '?', pipeline, requestsPerS: Math.round(Number(f[1])), p50Ms: Number(f[4]), p99Ms: Number(f[6]) });
    }
  }
  return rows;
}

export function ceilingCells(rows: CeilingRow[]): Cell[][] {
  return rows.map((r) => [r.test, r.pipeline, r.requestsPerS, r.p50Ms, r.p99Ms]);
}

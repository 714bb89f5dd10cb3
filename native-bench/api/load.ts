import autocannon from 'autocannon';
import { kdamondCpuMs } from '../lib/damon.ts';
import { processCpuMs } from '../lib/machine.ts';
import { sig } from '../lib/stats.ts';

export interface LoadRow {
  target: string;
  /** Requests per second asked for; null = as fast as it goes. */
  rate: number | null;
  achievedPerS: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  non2xx: number;
  sustainable: boolean;
  /** CPU time of the measured server process per served request (µs), when it was read. */
  serverCpuUsPerRequest?: number;
  /** CPU the kernel's DAMON reclaim (kdamond) took per second of the row (ms/s), when it was read. */
  kdamondMsPerS?: number;
}

const CONNECTIONS = 32;

/**
 * One autocannon run. At a fixed rate, "sustainable" means at least 95% of the asked
 * rate was served, with no errors or non-2xx answers and p99 under 100 ms.
 */
export async function load(target: string, url: string, paths: () => string, rate: number | null, durationS: number): Promise<LoadRow> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationS,
    ...(rate === null ? {} : { overallRate: rate }),
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths() }) }],
  });
  const achieved = result.requests.total / durationS;
  const row: LoadRow = {
    target,
    rate,
    achievedPerS: Math.round(achieved),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    sustainable: false,
  };
  row.sustainable = row.errors === 0 && row.non2xx === 0 && row.p99Ms < 100 && (rate === null || achieved >= 0.95 * rate);
  return row;
}

export function loadCells(rows: LoadRow[]): Array<Array<string | number | null>> {
  return rows.map((r) => [
    r.target,
    r.rate ?? 'max',
    r.achievedPerS,
    sig(r.p50Ms),
    sig(r.p99Ms),
    sig(r.maxMs),
    r.errors + r.non2xx,
    r.rate === null ? '–' : r.sustainable ? 'yes' : 'no',
    r.serverCpuUsPerRequest === undefined ? '–' : Math.round(r.serverCpuUsPerRequest),
    r.kdamondMsPerS === undefined ? '–' : Math.round(r.kdamondMsPerS),
  ]);
}

/**
 * Runs one load row and adds the server's CPU per served request: the generator shares the
 * cores with the server, so requests/s alone mixes the server's cost with the machine's
 * other load; CPU µs per request is the server's own cost at that rate. It also adds the CPU
 * the kernel's DAMON reclaim took meanwhile, whose bursts stall every process (lib/damon.ts).
 */
export async function withServerCpu<R extends LoadRow>(serverPid: number, durationS: number, run: () => Promise<R>): Promise<R> {
  const before = processCpuMs(serverPid);
  const kdamondBefore = kdamondCpuMs();
  const startedMs = performance.now();
  const row = await run();
  const kdamondAfter = kdamondCpuMs();
  if (kdamondBefore !== undefined && kdamondAfter !== undefined) row.kdamondMsPerS = (kdamondAfter - kdamondBefore) / ((performance.now() - startedMs) / 1000);
  const after = processCpuMs(serverPid);
  const served = row.achievedPerS * durationS;
  if (before !== undefined && after !== undefined && served > 0) row.serverCpuUsPerRequest = (1000 * (after - before)) / served;
  return row;
}

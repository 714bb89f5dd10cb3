import type { PacedRow } from '../api/paced.ts';
import type { BenchOutcome, Cell, Headline } from '../lib/types.ts';
import { sig } from '../lib/stats.ts';
import { slope } from './probe.ts';

export interface ProcessWindow {
  rssMiB: number;
  heapUsedMiB: number;
  /** Event-loop delay in the window beyond the 10 ms sampling timer (prom-client's monitorEventLoopDelay). */
  loopP99Ms: number;
  loopMaxMs: number;
  gcCount: number;
  gcMs: number;
  gcOver100ms: number;
  majorGcCount: number;
  /** CPU of the process over the window, % of one core. */
  cpuPct: number | null;
}

export interface SoakWindow {
  /** Seconds from the start of the load to the scrape that closed the window. */
  endS: number;
  phase: 'load' | 'drain';
  learner: ProcessWindow;
  api: ProcessWindow;
  /** Clickstream events not yet committed by the learner's group at the scrape. */
  lag: number;
  eventsPerS: number;
  requests: { answered: number; p99Ms: number; maxMs: number };
  kdamondMsPerS: number | null;
  /** The bench process's own worst event-loop delay (it produces and sends the requests). */
  benchLoopMaxMs: number;
  loadAverage1: number;
  logLines: number;
  log: string[];
}

export interface SoakRun {
  soakS: number;
  loadEndS: number;
  eventsPerS: number;
  requestsPerS: number;
  items: number;
  users: number;
  windowS: number;
  drainLimitS: number;
  fedPerS: number;
  requests: PacedRow;
  /** Consumer lag read as the last request was answered. */
  lagAtLoadEnd: number;
  /** Seconds after the load stopped until the lag read 0; null if not within drainLimitS. */
  drainedS: number | null;
  lagAfter: number;
  windows: SoakWindow[];
}

const STALL_MS = 100;
/** Flat: the fitted growth over the post-warm-up span is under this share of the warm-up value. */
const FLAT_SHARE = 0.05;

type Who = 'learner' | 'api';

interface MemoryTrend {
  warmMiB: number;
  endMiB: number;
  slopeMiBPerMin: number;
  flat: boolean;
}

function trend(windows: SoakWindow[], who: Who, field: 'rssMiB' | 'heapUsedMiB'): MemoryTrend {
  const xs = windows.map((w) => w.endS / 60);
  const ys = windows.map((w) => w[who][field]);
  const warmMiB = ys[0] ?? NaN;
  const endMiB = ys.at(-1) ?? NaN;
  const slopeMiBPerMin = slope(xs, ys);
  const spanMin = (xs.at(-1) ?? 0) - (xs[0] ?? 0);
  return { warmMiB, endMiB, slopeMiBPerMin: sig(slopeMiBPerMin), flat: Math.abs(slopeMiBPerMin * spanMin) < FLAT_SHARE * warmMiB };
}

function loopSummary(windows: SoakWindow[], who: Who) {
  const p99s = windows.map((w) => w[who].loopP99Ms).sort((a, b) => a - b);
  const worst = windows.reduce<SoakWindow | undefined>((best, w) => (!best || w[who].loopMaxMs > best[who].loopMaxMs ? w : best), undefined);
  return {
    p99MedianMs: p99s[Math.floor(p99s.length / 2)] ?? NaN,
    p99WorstMs: p99s.at(-1) ?? NaN,
    worstStallMs: worst?.[who].loopMaxMs ?? NaN,
    worstStallAtS: worst?.endS ?? NaN,
    windowsOver100ms: windows.filter((w) => w[who].loopMaxMs > STALL_MS).length,
  };
}

/** What else happened in a window: the facts the stall note is built from. */
function context(w: SoakWindow): string {
  const gc = (who: Who) => `${who} GC ${w[who].gcCount}× ${w[who].gcMs} ms (${w[who].majorGcCount} major, ${w[who].gcOver100ms} > 100 ms), CPU ${w[who].cpuPct ?? '?'}%`;
  const log = w.logLines ? `; ${w.logLines} log lines: ${w.log.join(' | ')}` : '';
  return `${gc('learner')}; ${gc('api')}; kdamond ${w.kdamondMsPerS ?? '?'} ms/s; load ${w.loadAverage1}; bench loop max ${w.benchLoopMaxMs} ms${log}`;
}

export function soakOutcome(r: SoakRun): BenchOutcome {
  const load = r.windows.filter((w) => w.phase === 'load');
  const warmUpEndS = 0.2 * r.soakS;
  const steady = load.filter((w) => w.endS >= warmUpEndS - r.windowS / 2);
  const memory = {
    learner: { rss: trend(steady, 'learner', 'rssMiB'), heap: trend(steady, 'learner', 'heapUsedMiB') },
    api: { rss: trend(steady, 'api', 'rssMiB'), heap: trend(steady, 'api', 'heapUsedMiB') },
  };
  const loop = { learner: loopSummary(r.windows, 'learner'), api: loopSummary(r.windows, 'api') };
  const lagMax = Math.max(0, ...load.map((w) => w.lag));
  const stalls = r.windows.filter((w) => w.learner.loopMaxMs > STALL_MS || w.api.loopMaxMs > STALL_MS);
  const mem = (who: Who) => {
    const m = memory[who];
    return `RSS ${m.rss.warmMiB} → ${m.rss.endMiB} MiB (${m.rss.slopeMiBPerMin} MiB/min, ${m.rss.flat ? 'flat' : m.rss.slopeMiBPerMin > 0 ? 'rising' : 'falling'}), heap ${m.heap.warmMiB} → ${m.heap.endMiB} MiB (${m.heap.slopeMiBPerMin} MiB/min)`;
  };
  const headline: Headline[] = [
    { label: `learner memory after warm-up (${Math.round(warmUpEndS)} s) → end of load, fitted slope`, value: memory.learner.rss.slopeMiBPerMin, unit: `MiB/min RSS: ${mem('learner')}` },
    { label: `API memory after warm-up (${Math.round(warmUpEndS)} s) → end of load, fitted slope`, value: memory.api.rss.slopeMiBPerMin, unit: `MiB/min RSS: ${mem('api')}` },
    { label: `consumer lag at the end of load, then after it stopped (up to ${r.drainLimitS} s)`, value: r.lagAtLoadEnd, unit: `events (max ${lagMax}); ${r.drainedS === null ? `not 0 within ${r.drainLimitS} s (${r.lagAfter} left)` : `0 after ${r.drainedS} s`}` },
  ];
  for (const who of ['learner', 'api'] as const) {
    const l = loop[who];
    headline.push({ label: `${who} event-loop delay p99, median of ${r.windowS} s windows (worst window); worst stall`, value: l.p99MedianMs, unit: `ms (${l.p99WorstMs} ms); worst stall ${l.worstStallMs} ms at ${l.worstStallAtS} s; ${l.windowsOver100ms} windows with a stall > ${STALL_MS} ms` });
  }
  headline.push({ label: `recommend at ${r.requestsPerS}/s evenly spaced for ${r.soakS} s: p99`, value: r.requests.p99Ms, unit: `ms (p50 ${r.requests.p50Ms}, max ${r.requests.maxMs}; ${r.requests.errors} errors, ${r.requests.non2xx} non-2xx, ${r.requests.lateSends} sends > 5 ms late)` });

  const every = Math.max(1, Math.round(60 / r.windowS));
  const shown = r.windows.filter((w, i) => i % every === every - 1 || w.phase === 'drain' || i === 0);
  const cells = (w: SoakWindow): Cell[] => [w.endS, w.phase, w.eventsPerS, w.lag, w.learner.rssMiB, w.learner.heapUsedMiB, w.learner.loopP99Ms, w.learner.loopMaxMs, w.learner.cpuPct, w.api.rssMiB, w.api.heapUsedMiB, w.api.loopP99Ms, w.api.loopMaxMs, w.api.cpuPct, w.requests.p99Ms, w.requests.maxMs, w.kdamondMsPerS, w.loadAverage1];
  const columns = ['end s', 'phase', 'events/s', 'lag', 'learner RSS MiB', 'heap MiB', 'loop p99 ms', 'loop max ms', 'CPU %', 'API RSS MiB', 'heap MiB', 'loop p99 ms', 'loop max ms', 'CPU %', 'recommend p99 ms', 'max ms', 'kdamond ms/s', 'load 1m'];
  return {
    headline,
    tables: [
      { title: `Soak: ${r.eventsPerS.toLocaleString('en-US')} events/s and ${r.requestsPerS} recommend requests/s for ${r.soakS} s, one learner and one API (every ${every * r.windowS} s of the ${r.windowS} s windows, and the drain)`, columns, rows: shown.map(cells) },
      {
        title: `Windows with an event-loop stall > ${STALL_MS} ms in the learner or the API, and what else happened in them`,
        columns: ['end s', 'phase', 'learner loop max ms', 'API loop max ms', 'recommend max ms', 'lag', 'what else'],
        rows: stalls.map((w) => [w.endS, w.phase, w.learner.loopMaxMs, w.api.loopMaxMs, w.requests.maxMs, w.lag, context(w)]),
      },
    ],
    notes: [
      `workers/learner.ts and workers/api.ts in their own processes on this run's topics and key prefix (${r.items.toLocaleString('en-US')} published item vectors, the API's index filled from the item-embeddings topic; Redis is the stack's). The bench process produces seeded events of ${r.users.toLocaleString('en-US')} users (native-bench/lib/clickstream.ts, event ts = send time) at ${r.eventsPerS}/s through the engine's producer (feedEvents, chunks every 50 ms; achieved ${Math.round(r.fedPerS)}/s) and sends recommend requests for random ones of those users evenly spaced (api/paced.ts, the open-loop generator of the api bench), both for ${r.soakS} s on the same 2 cores.`,
      `Every ${r.windowS} s: RSS and heap used from each process's /metrics (prom-client's default metrics), its event-loop delay p99 and max over the window (prom-client's monitorEventLoopDelay, reset at each scrape; shown beyond its 10 ms sampling timer, so 10 ms resolution), its GC count and time (prom-client's GC histogram; "> 100 ms" from its 0.1 s bucket), its CPU (/proc/<pid>/stat); consumer lag = the clickstream's high watermarks − the learner group's committed offsets (Kafka admin); kdamond's CPU (lib/damon.ts), the 1-minute load average, the bench process's own worst loop delay, and the workers' log lines (LOG_LEVEL=info).`,
      `Memory: the first window after warm-up (the first 20%, ${Math.round(warmUpEndS)} s) against the last window of load, with the least-squares slope over the windows between; flat = the fitted growth over that span is under ${FLAT_SHARE * 100}% of the warm-up value. Event-loop p99 of the whole run is given as the median of the windows' p99 (and the worst window's), since the windows' histograms are not merged.`,
    ],
    skipped: [],
    data: { ...r, memory, loop, lagMax, warmUpEndS },
  };
}

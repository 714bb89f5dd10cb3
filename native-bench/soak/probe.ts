import type { Admin } from 'kafkajs';

/** prom-client's event-loop histogram samples with a 10 ms timer: its values include that period. */
export const LOOP_RESOLUTION_MS = 10;

/** What a worker's /metrics says at one scrape (prom-client default metrics, prefix streamrec_). */
export interface ProcessScrape {
  rssBytes: number;
  heapUsedBytes: number;
  /** Event-loop delay since the previous scrape (prom-client resets its histogram on each), ms beyond the 10 ms timer. */
  loopP99Ms: number;
  loopMaxMs: number;
  /** Cumulative GC counters over all kinds. */
  gcCount: number;
  gcMs: number;
  /** GC pauses longer than 100 ms (the histogram's 0.1 s bucket). */
  gcOver100ms: number;
  majorGcCount: number;
}

/** Reads one /metrics text; a missing metric is NaN so a gap shows rather than reads as 0. */
export function parseScrape(text: string): ProcessScrape {
  const scrape: ProcessScrape = { rssBytes: NaN, heapUsedBytes: NaN, loopP99Ms: NaN, loopMaxMs: NaN, gcCount: 0, gcMs: 0, gcOver100ms: 0, majorGcCount: 0 };
  const loopMs = (seconds: number) => Math.max(0, seconds * 1000 - LOOP_RESOLUTION_MS);
  for (const line of text.split('\n')) {
    if (!line.startsWith('streamrec_')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const name = line.slice('streamrec_'.length, line.search(/[{ ]/));
    if (name === 'process_resident_memory_bytes') scrape.rssBytes = value;
    else if (name === 'nodejs_heap_size_used_bytes') scrape.heapUsedBytes = value;
    else if (name === 'nodejs_eventloop_lag_p99_seconds') scrape.loopP99Ms = loopMs(value);
    else if (name === 'nodejs_eventloop_lag_max_seconds') scrape.loopMaxMs = loopMs(value);
    else if (name === 'nodejs_gc_duration_seconds_count') {
      scrape.gcCount += value;
      if (line.includes('kind="major"')) scrape.majorGcCount += value;
    } else if (name === 'nodejs_gc_duration_seconds_sum') scrape.gcMs += value * 1000;
    // Pauses over 0.1 s = count − the 0.1 s bucket, per kind: added as +count below, −bucket here.
    else if (name === 'nodejs_gc_duration_seconds_bucket' && line.includes('le="0.1"')) scrape.gcOver100ms -= value;
  }
  scrape.gcOver100ms += scrape.gcCount;
  return scrape;
}

export async function scrape(metricsUrl: string): Promise<ProcessScrape> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) });
  return parseScrape(await res.text());
}

/** Events on the topic the group has not committed yet (high watermark − committed, per partition). */
export async function consumerLag(admin: Admin, topic: string, groupId: string): Promise<number> {
  // Committed first: read the other way round, a commit landing in between would count as negative lag.
  const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  const done = new Map<number, number>();
  for (const p of committed[0]?.partitions ?? []) done.set(p.partition, Number(p.offset));
  let lag = 0;
  for (const end of ends) {
    const at = done.get(end.partition) ?? -1;
    // -1: nothing committed yet on that partition, so everything from its start is behind.
    lag += Math.max(0, Number(end.high) - (at >= 0 ? at : Number(end.low)));
  }
  return lag;
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]! / n;
    my += ys[i]! / n;
  }
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

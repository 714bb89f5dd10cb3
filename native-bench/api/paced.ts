import http from 'node:http';
import { distribution } from '../lib/stats.ts';
import type { LoadRow } from './load.ts';

/**
 * An open-loop load generator with evenly spaced requests, for latency at a fixed rate.
 *
 * Why not autocannon's `overallRate` for this: autocannon gives every connection a quota
 * per second and lets it send that quota back to back when the second starts, so "1,000
 * requests/s" over 32 connections is a burst of 1,000 requests at the top of each second and
 * the latency it reports is that of a queue draining a burst. A storefront's traffic is
 * spread over the second. Here request i is due at start + i / rate and is sent when due on
 * a free keep-alive socket (new ones open while others wait), so a stalled server never
 * delays the next request (no coordinated omission); latency is send → last byte. Sends
 * more than LATE_MS after their due time (the generator itself falling behind) are counted,
 * and more than 1% of them makes the row unsustainable.
 */
const LATE_MS = 5;

export interface PacedRow extends LoadRow {
  /** Requests sent more than LATE_MS after they were due. */
  lateSends: number;
}

export async function paced(target: string, url: string, paths: () => string, ratePerS: number, durationS: number): Promise<PacedRow> {
  const { hostname, port } = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(ratePerS * durationS);
  const latenciesMs: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  let done = 0;
  let lateSends = 0;
  const start = performance.now();
  const deadlineMs = durationS * 1000 + 10_000;

  await new Promise<void>((resolve) => {
    const finish = () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve();
    };
    const fire = (dueMs: number) => {
      const sentMs = performance.now();
      if (sentMs - dueMs > LATE_MS) lateSends++;
      const req = http.get({ host: hostname, port, path: paths(), agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode! >= 200 && res.statusCode! < 300) latenciesMs.push(performance.now() - sentMs);
          else non2xx++;
          if (++done === total) finish();
        });
      });
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        if (++done === total) finish();
      });
    };
    // Timers tick about once a millisecond; each tick sends every request that fell due.
    const timer = setInterval(() => {
      const elapsedMs = performance.now() - start;
      while (sent < total && (sent * 1000) / ratePerS <= elapsedMs) fire(start + (sent++ * 1000) / ratePerS);
      if (sent === total) clearInterval(timer); // all sent: only the answers are left to wait for
    }, 1);
    const giveUp = setTimeout(finish, deadlineMs);
  });
  const elapsedS = (performance.now() - start) / 1000;
  agent.destroy();
  const d = distribution(latenciesMs);
  const served = latenciesMs.length;
  const row: PacedRow = {
    target,
    rate: ratePerS,
    achievedPerS: Math.round(served / Math.max(durationS, elapsedS)),
    p50Ms: round2(d.p50),
    p99Ms: round2(d.p99),
    maxMs: round2(d.max),
    errors: errors + (total - done),
    non2xx,
    sustainable: false,
    lateSends,
  };
  row.sustainable = row.errors === 0 && row.non2xx === 0 && row.p99Ms < 100 && served >= 0.95 * total && lateSends <= 0.01 * total;
  return row;
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}

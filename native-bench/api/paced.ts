import net from 'node:net';
import { distribution } from '../lib/stats.ts';
import { createResponseReader, type ResponseReader } from './http-response.ts';
import type { LoadRow } from './load.ts';

/**
 * An open-loop load generator with evenly spaced requests, for latency at a fixed rate.
 *
 * Why not autocannon's `overallRate` for this: autocannon gives every connection a quota
 * per second and lets it send that quota back to back when the second starts, so "1,000
 * requests/s" over 32 connections is a burst of 1,000 requests at the top of each second and
 * the latency it reports is that of a queue draining a burst. A storefront's traffic is
 * spread over the second. Here request i is due at start + i / rate and is sent when due on
 * a free keep-alive socket (new ones open while others wait, up to MAX_SOCKETS), so a stalled
 * server never delays the next request (no coordinated omission); latency is send → last
 * byte. Sends more than LATE_MS after their due time (the generator itself falling behind)
 * are counted, and more than 1% of them makes the row unsustainable.
 *
 * Why keep-alive sockets from node:net and not node:http's client: the generator shares the
 * 2 cores with the server it measures, so its CPU per request is taken from the server.
 * node:http's request and response objects, streams and agent cost 26 µs of CPU per request
 * at 5,000 requests/s against the hello-world server; this costs 13–15 µs (54 → 26 µs at
 * 2,000/s, 22 → 11 µs at 8,000/s; 2-core AMD EPYC, Node 20.20.2, quiet machine). A request is
 * one GET written to a socket with nothing in flight (no pipelining, so each latency is one
 * request's), replies are read through one reused buffer, and http-response.ts reads just the
 * status and where the response ends. A socket error, a close before the response ends, or
 * no full response within TIMEOUT_MS counts as an error (the socket is replaced when needed);
 * a response it cannot frame stops the run with a ResponseFramingError.
 */
const LATE_MS = 5;
const MAX_SOCKETS = 256;
const TIMEOUT_MS = 10_000;
const SWEEP_MS = 500;

export interface PacedRow extends LoadRow {
  /** Requests sent more than LATE_MS after they were due. */
  lateSends: number;
}

interface Connection {
  socket: net.Socket;
  reader: ResponseReader;
  /** performance.now() when the request in flight was sent; NaN when none is. */
  sentMs: number;
}

/** `onAnswer` sees each 2xx answer as it arrives: when it was sent (performance.now() ms) and its latency. */
export async function paced(target: string, url: string, paths: () => string, ratePerS: number, durationS: number, onAnswer?: (sentMs: number, latencyMs: number) => void): Promise<PacedRow> {
  const { protocol, host, hostname, port } = new URL(url);
  if (protocol !== 'http:') throw new Error(`paced() speaks plain HTTP/1.1 only, not ${protocol} (${url})`);
  const connectTo = { host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 80), noDelay: true };
  const requestTail = ` HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n`;
  const total = Math.round(ratePerS * durationS);
  const latenciesMs: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  let done = 0;
  let lateSends = 0;
  const start = performance.now();
  const deadlineMs = durationS * 1000 + 10_000;

  const open = new Set<Connection>();
  const idle: Connection[] = [];
  const waiting: Array<{ path: string; sentMs: number }> = []; // while all MAX_SOCKETS are busy, a queue from firstWaiting
  let firstWaiting = 0;
  const readBuffer = Buffer.allocUnsafe(64 * 1024);

  await new Promise<void>((resolve, reject) => {
    let finished = false;
    const finish = (err?: unknown) => {
      finished = true;
      clearInterval(timer);
      clearInterval(sweep);
      clearTimeout(giveUp);
      for (const c of open) c.socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const answered = () => {
      if (++done === total) finish();
    };
    const send = (c: Connection, path: string, sentMs: number) => {
      c.sentMs = sentMs;
      c.socket.write(`GET ${path}${requestTail}`, 'latin1');
    };
    const sendWaitingOrPark = (c: Connection) => {
      const w = waiting[firstWaiting];
      if (!w) return idle.push(c);
      if (++firstWaiting === waiting.length) waiting.length = firstWaiting = 0;
      send(c, w.path, w.sentMs);
    };
    const received = (c: Connection, bytes: Buffer) => {
      if (finished) return;
      let status: number;
      try {
        if (Number.isNaN(c.sentMs)) throw new Error(`${url} sent ${bytes.length} bytes with no request in flight`);
        status = c.reader.push(bytes);
      } catch (err) {
        return finish(err);
      }
      if (status === 0) return;
      if (status >= 200 && status < 300) {
        const latencyMs = performance.now() - c.sentMs;
        latenciesMs.push(latencyMs);
        onAnswer?.(c.sentMs, latencyMs);
      } else non2xx++;
      c.sentMs = Number.NaN;
      if (c.reader.keepAlive) sendWaitingOrPark(c);
      else c.socket.destroy();
      answered();
    };
    const connect = (): Connection => {
      // onread hands every socket's reads to one reused buffer: no Buffer per read and no
      // stream in between ('data' events would cost both).
      const onread = {
        buffer: readBuffer,
        callback: (bytesRead: number) => {
          received(c, readBuffer.subarray(0, bytesRead));
          return true; // keep reading
        },
      };
      const c: Connection = { socket: net.connect({ ...connectTo, onread }), reader: createResponseReader(), sentMs: Number.NaN };
      open.add(c);
      c.socket.on('error', () => {}); // 'close' follows, and counts it if a request was in flight
      c.socket.on('close', () => {
        open.delete(c);
        const i = idle.indexOf(c);
        if (i >= 0) idle.splice(i, 1);
        if (finished) return;
        if (!Number.isNaN(c.sentMs)) {
          errors++;
          answered();
        }
        if (!finished && firstWaiting < waiting.length) sendWaitingOrPark(connect());
      });
      return c;
    };
    const fire = (dueMs: number) => {
      const sentMs = performance.now();
      if (sentMs - dueMs > LATE_MS) lateSends++;
      const path = paths();
      // node:http rejects the same characters: a path goes on the wire as it is.
      if (/[^\u0021-\u00ff]/.test(path)) throw new Error(`request path has characters HTTP cannot carry unescaped: ${JSON.stringify(path)}`);
      const c = idle.pop() ?? (open.size < MAX_SOCKETS ? connect() : undefined);
      if (c) send(c, path, sentMs);
      else waiting.push({ path, sentMs });
    };
    // Timers tick about once a millisecond; each tick sends every request that fell due.
    const timer = setInterval(() => {
      const elapsedMs = performance.now() - start;
      try {
        while (sent < total && (sent * 1000) / ratePerS <= elapsedMs) fire(start + (sent++ * 1000) / ratePerS);
      } catch (err) {
        return finish(err);
      }
      if (sent === total) clearInterval(timer); // all sent: only the answers are left to wait for
    }, 1);
    // Closing the socket makes its 'close' count the error. One sweep every SWEEP_MS costs
    // less than a timer per request; a timeout fires up to SWEEP_MS after TIMEOUT_MS.
    const sweep = setInterval(() => {
      const nowMs = performance.now();
      for (const c of open) if (nowMs - c.sentMs > TIMEOUT_MS) c.socket.destroy();
    }, SWEEP_MS);
    const giveUp = setTimeout(finish, deadlineMs);
  });
  const elapsedS = (performance.now() - start) / 1000;
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

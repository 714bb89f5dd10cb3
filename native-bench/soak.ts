import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { createClickstreamProducer } from '../src/adapters/kafka/clickstream-producer.ts';
import { createRedis } from '../src/adapters/redis/client.ts';
import type { ClickEvent } from '../src/core/events.ts';
import { sleep } from '../src/lifecycle.ts';
import { feedEvents } from '../src/pipeline/feed.ts';
import { paced } from './api/paced.ts';
import type { BenchContext, BenchOutcome } from './lib/types.ts';
import { createClickstream } from './lib/clickstream.ts';
import { kdamondCpuMs } from './lib/damon.ts';
import { benchEnvironment, benchLog, configEnv, dropTopics, publishItems, startWorker, waitFor, type Worker } from './lib/engine-env.ts';
import { processCpuMs } from './lib/machine.ts';
import { freePort } from './lib/redis-server.ts';
import { createRng, distribution } from './lib/stats.ts';
import { consumerLag, scrape, type ProcessScrape } from './soak/probe.ts';
import { soakOutcome, type ProcessWindow, type SoakWindow } from './soak/report.ts';

const WINDOW_S = 5;
const DRAIN_LIMIT_S = 60;
const K = 10;
/** Log lines kept per window (the count is kept whole). */
const LINES_PER_WINDOW = 5;

/**
 * One learner and one API (workers/learner.ts, workers/api.ts, each its own process) under
 * steady load for --soak-seconds: events at a fixed rate into the clickstream, evenly spaced
 * recommend requests, and every 5 s each process's memory, event-loop delay and GC (its
 * /metrics), the consumer lag (Kafka offsets), and what else the machine did (kdamond CPU,
 * load average, the bench process's own loop, the workers' log lines).
 */
export async function runSoak(ctx: BenchContext): Promise<BenchOutcome> {
  const soakS = ctx.options.soakSeconds ?? (ctx.quick ? 20 : 600);
  const eventsPerS = ctx.quick ? 200 : 2000;
  const requestsPerS = ctx.quick ? 50 : 300;
  const items = ctx.quick ? 1000 : 10_000;
  const users = ctx.quick ? 500 : 20_000;
  const { config, kafka } = await benchEnvironment(ctx.config, 'soak');
  const redis = await createRedis(config, benchLog);
  const admin = kafka.admin();
  const workers: Worker[] = [];
  let producer: Awaited<ReturnType<typeof createClickstreamProducer>> | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    await admin.connect();
    ctx.progress(`soak: ${items.toLocaleString('en-US')} item vectors into ${config.topics.itemEmbeddings}`);
    await publishItems(kafka, config, items);

    const lines: Array<{ atMs: number; who: string; msg: string }> = [];
    const onLine = (who: string) => (line: string) => {
      let msg = line;
      try {
        msg = String((JSON.parse(line) as { msg?: unknown }).msg ?? line);
      } catch {
        // not JSON: a stack trace or a runtime warning, kept as it is
      }
      lines.push({ atMs: performance.now(), who, msg: msg.slice(0, 160) });
    };
    const learnerPort = await freePort();
    const learnerMetrics = `http://127.0.0.1:${learnerPort}/metrics`;
    const learner = startWorker('workers/learner.ts', configEnv(config, { LEARNER_METRICS_PORT: String(learnerPort), LOG_LEVEL: 'info' }), onLine('learner'));
    workers.push(learner);
    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const api = startWorker('workers/api.ts', configEnv(config, { PORT: String(apiPort), HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '100000000', CATCH_UP_TIMEOUT_MS: '300000', API_INDEX_SNAPSHOT_DIR: 'off', LOG_LEVEL: 'info' }), onLine('api'));
    workers.push(api);
    await waitFor('learner /metrics', 120_000, async () => (await fetch(learnerMetrics)).ok, learner);
    await waitFor('API ready', 300_000, async () => (await fetch(`${apiUrl}/readyz`)).status === 200, api);
    producer = await createClickstreamProducer(kafka, config, benchLog);

    const stream = createClickstream({ users, items, seed: 13, startTs: Date.now() });
    const rng = createRng(7);
    const recommendPath = () => `/v1/users/user-${Math.floor(rng() * users)}/recommendations?k=${K}`;
    const benchLoop = monitorEventLoopDelay({ resolution: 10 });
    benchLoop.enable();

    const windows: SoakWindow[] = [];
    const answers: Array<{ sentMs: number; latencyMs: number }> = [];
    let produced = 0;
    let loadEndMs = Infinity;
    const t0 = performance.now();
    const cpu0 = { learner: processCpuMs(learner.pid), api: processCpuMs(api.pid) };
    // Scraping resets prom-client's event-loop histograms, so each window's delay is its own.
    let prev = { atMs: t0, produced: 0, answered: 0, kdamondMs: kdamondCpuMs(), cpu: cpu0, learner: await scrape(learnerMetrics), api: await scrape(`${apiUrl}/metrics`), lines: lines.length };
    benchLoop.reset();
    let sampling: Promise<void> = Promise.resolve();
    const sample = async () => {
      const atMs = performance.now();
      const [l, a, lag] = await Promise.all([scrape(learnerMetrics), scrape(`${apiUrl}/metrics`), consumerLag(admin, config.topics.clickstream, config.learner.groupId)]);
      const cpu = { learner: processCpuMs(learner.pid), api: processCpuMs(api.pid) };
      const kdamondMs = kdamondCpuMs();
      const spanS = (atMs - prev.atMs) / 1000;
      const mine = answers.slice(prev.answered).map((x) => x.latencyMs);
      const req = distribution(mine);
      windows.push({
        endS: round1((atMs - t0) / 1000),
        // A window counts as load if most of it was.
        phase: (prev.atMs + atMs) / 2 < loadEndMs ? 'load' : 'drain',
        learner: processWindow(prev.learner, l, prev.cpu.learner, cpu.learner, spanS),
        api: processWindow(prev.api, a, prev.cpu.api, cpu.api, spanS),
        lag,
        eventsPerS: Math.round((produced - prev.produced) / spanS),
        requests: { answered: mine.length, p99Ms: round1(req.p99), maxMs: round1(req.max) },
        kdamondMsPerS: kdamondMs !== undefined && prev.kdamondMs !== undefined ? round1((kdamondMs - prev.kdamondMs) / spanS) : null,
        benchLoopMaxMs: round1(Math.max(0, benchLoop.max / 1e6 - 10)),
        loadAverage1: round1(loadavg()[0]!),
        logLines: lines.length - prev.lines,
        log: lines.slice(prev.lines, prev.lines + LINES_PER_WINDOW).map((x) => `${x.who}: ${x.msg}`),
      });
      benchLoop.reset();
      prev = { atMs, produced, answered: answers.length, kdamondMs, cpu, learner: l, api: a, lines: lines.length };
    };
    sampler = setInterval(() => {
      sampling = sampling.then(sample).catch((err: unknown) => ctx.progress(`soak: sample failed: ${(err as Error).message}`));
    }, WINDOW_S * 1000);

    ctx.progress(`soak: ${eventsPerS} events/s and ${requestsPerS} recommend requests/s for ${soakS} s`);
    const events = function* (): Generator<ClickEvent> {
      for (; produced < eventsPerS * soakS; produced++) yield { ...stream.next(), ts: Date.now() };
    };
    const send = producer.send.bind(producer);
    const [fed, requests] = await Promise.all([
      feedEvents(events(), (chunk) => send(chunk, 'msgpack'), { ratePerSec: eventsPerS }),
      paced('recommend', apiUrl, recommendPath, requestsPerS, soakS, (sentMs, latencyMs) => answers.push({ sentMs, latencyMs })),
    ]);
    loadEndMs = performance.now();
    const loadEndS = (loadEndMs - t0) / 1000;
    const lagAtLoadEnd = await consumerLag(admin, config.topics.clickstream, config.learner.groupId);
    ctx.progress(`soak: load done (${fed.sent} events, ${requests.achievedPerS} requests/s served); waiting up to ${DRAIN_LIMIT_S} s for lag 0`);
    let drainedS: number | null = null;
    const drainStart = performance.now();
    while (performance.now() - drainStart < DRAIN_LIMIT_S * 1000) {
      if ((await consumerLag(admin, config.topics.clickstream, config.learner.groupId)) === 0) {
        drainedS = round1((performance.now() - drainStart) / 1000);
        break;
      }
      await sleep(1000);
    }
    const lagAfter = await consumerLag(admin, config.topics.clickstream, config.learner.groupId);
    clearInterval(sampler);
    sampler = undefined;
    await sampling;
    await sample();
    benchLoop.disable();
    return soakOutcome({ soakS, loadEndS, eventsPerS, requestsPerS, items, users, windowS: WINDOW_S, drainLimitS: DRAIN_LIMIT_S, fedPerS: fed.ratePerSec, requests, lagAtLoadEnd, drainedS, lagAfter, windows });
  } finally {
    if (sampler) clearInterval(sampler);
    for (const w of workers) await w.stop();
    await producer?.close().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    const keys = await redis.keys(`${config.redis.keyPrefix}:*`).catch(() => [] as string[]);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500)).catch(() => undefined);
    redis.disconnect();
    await dropTopics(kafka, config);
  }
}

function processWindow(before: ProcessScrape, after: ProcessScrape, cpuBefore: number | undefined, cpuAfter: number | undefined, spanS: number): ProcessWindow {
  const mib = (b: number) => round1(b / 1_048_576);
  return {
    rssMiB: mib(after.rssBytes),
    heapUsedMiB: mib(after.heapUsedBytes),
    loopP99Ms: round1(after.loopP99Ms),
    loopMaxMs: round1(after.loopMaxMs),
    gcCount: after.gcCount - before.gcCount,
    gcMs: round1(after.gcMs - before.gcMs),
    gcOver100ms: after.gcOver100ms - before.gcOver100ms,
    majorGcCount: after.majorGcCount - before.majorGcCount,
    cpuPct: cpuBefore !== undefined && cpuAfter !== undefined ? Math.round((cpuAfter - cpuBefore) / spanS / 10) : null,
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

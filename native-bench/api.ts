import { createRedis } from '../src/adapters/redis/client.ts';
import type { BenchContext, BenchOutcome, Headline } from './lib/types.ts';
import { load, loadCells, withServerCpu, type LoadRow } from './api/load.ts';
import { paced, type PacedRow } from './api/paced.ts';
import { learnWarmUsers } from './api/warm-users.ts';
import { DAMON_PAUSED, withDamonPaused } from './lib/damon.ts';
import { benchEnvironment, benchLog, configEnv, dropTopics, publishItems, startWorker, waitFor, type Worker } from './lib/engine-env.ts';
import { packageVersion } from './lib/engine.ts';
import { freePort } from './lib/redis-server.ts';
import { createRng, ratio } from './lib/stats.ts';

const USERS = 1000;
const K = 10;
const SEARCHING = 'recommend, search per request';

/**
 * The recommend endpoint of a real API process (workers/api.ts: index filled from the
 * item-embeddings topic, user state from Redis) under autocannon at fixed rates, next to
 * fastify's hello-world in the same conditions as the ceiling.
 */
export async function runApi(ctx: BenchContext): Promise<BenchOutcome> {
  const items = ctx.quick ? 2000 : 100_000;
  const durationS = ctx.quick ? 1 : 10;
  const rates = ctx.quick ? [200] : [500, 1000, 2000, 5000, 10_000];
  const pacedRates = ctx.quick ? [200] : [500, 1000, 2000, 3000, 4000, 5000, 6000, 8000];
  const pausedRates = ctx.quick ? [200] : [1000, 3000, 5000];
  const { config, kafka } = await benchEnvironment(ctx.config, 'api');
  const redis = await createRedis(config, benchLog);
  const workers: Worker[] = [];
  try {
    ctx.progress(`api: publishing ${items.toLocaleString('en-US')} item vectors to ${config.topics.itemEmbeddings}`);
    await publishItems(kafka, config, items);
    ctx.progress(`api: ${USERS} warm users' histories through a learner (workers/learner.ts)`);
    const warm = await learnWarmUsers(kafka, redis, config, items, USERS, K);

    // Two API processes on the same index and users: as deployed (ranking the pool the learner
    // stored with each user), and with RECOMMEND_POOL_MAX_AGE_MS=0 (an HNSW search per request).
    const startApi = async (name: string, extra: Record<string, string>) => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const started = Date.now();
      const worker = startWorker('workers/api.ts', configEnv(config, { PORT: String(port), HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '100000000', CATCH_UP_TIMEOUT_MS: '900000', API_INDEX_SNAPSHOT_DIR: 'off', ...extra }));
      workers.push(worker);
      ctx.progress(`api: waiting for /readyz of ${name} (index loaded from the item-embeddings topic)`);
      await waitFor(`API (${name}) ready`, 15 * 60_000, async () => (await fetch(`${url}/readyz`)).status === 200, worker);
      const probe = (await (await fetch(`${url}/v1/users/user-1/recommendations?k=${K}`)).json()) as { items: Array<{ source: string }>; fallback: boolean };
      if (probe.fallback || probe.items[0]?.source !== 'model') throw new Error(`recommend answered from the fallback, not the model: ${JSON.stringify(probe).slice(0, 200)}`);
      return { worker, url, readyS: (Date.now() - started) / 1000 };
    };
    const { worker: api, url: apiUrl, readyS } = await startApi('the API', {});
    const searching = await startApi('the searching API', { RECOMMEND_POOL_MAX_AGE_MS: '0' });

    const helloPort = await freePort();
    const hello = startWorker('native-bench/api/hello-server.ts', { PORT: String(helloPort) });
    workers.push(hello);
    const helloUrl = `http://127.0.0.1:${helloPort}`;
    await waitFor('hello-world server', 30_000, async () => (await fetch(helloUrl)).ok, hello);

    // Every row also reads its server's CPU per request (withServerCpu).
    const onApi = <R extends LoadRow>(run: () => Promise<R>) => withServerCpu(api.pid, durationS, run);
    const onHello = <R extends LoadRow>(run: () => Promise<R>) => withServerCpu(hello.pid, durationS, run);
    const onSearching = <R extends LoadRow>(run: () => Promise<R>) => withServerCpu(searching.worker.pid, durationS, run);
    const rng = createRng(3);
    const recommendPath = () => `/v1/users/user-${Math.floor(rng() * USERS)}/recommendations?k=${K}`;
    const rows: LoadRow[] = [];
    ctx.progress('api: hello-world, as fast as it goes');
    rows.push(await onHello(() => load('fastify hello-world', helloUrl, () => '/', null, durationS)));
    ctx.progress('api: recommend with a search per request, as fast as it goes');
    rows.push(await onSearching(() => load(SEARCHING, searching.url, recommendPath, null, durationS)));
    ctx.progress('api: recommend, as fast as it goes');
    rows.push(await onApi(() => load('recommend', apiUrl, recommendPath, null, durationS)));
    for (const rate of rates) {
      ctx.progress(`api: recommend at ${rate} requests/s`);
      const r = await onApi(() => load('recommend', apiUrl, recommendPath, rate, durationS));
      rows.push(r);
      if (!r.sustainable && rate > 1000) break;
    }
    ctx.progress('api: hello-world at 1000 requests/s');
    rows.push(await onHello(() => load('fastify hello-world', helloUrl, () => '/', 1000, durationS)));

    const pacedRows: PacedRow[] = [];
    for (const rate of pacedRates) {
      ctx.progress(`api: recommend at ${rate} requests/s, evenly spaced`);
      const r = await onApi(() => paced('recommend', apiUrl, recommendPath, rate, durationS));
      pacedRows.push(r);
      if (!r.sustainable && rate > 1000) break;
    }
    ctx.progress('api: recommend with a search per request at 1000 requests/s, evenly spaced');
    pacedRows.push(await onSearching(() => paced(SEARCHING, searching.url, recommendPath, 1000, durationS)));
    ctx.progress('api: hello-world at 1000 requests/s, evenly spaced');
    pacedRows.push(await onHello(() => paced('fastify hello-world', helloUrl, () => '/', 1000, durationS)));
    // The same 1,000/s-and-up rows with the kernel's reclaim daemon paused: how much of the tail
    // is the machine's (lib/damon.ts). It is on again before anything else runs.
    const { skipped, notes } = !ctx.options.pauseDamon
      ? { skipped: [], notes: [] }
      : await withDamonPaused(`rows with ${DAMON_PAUSED}`, (m) => ctx.progress(`api: ${m}`), async () => {
          for (const rate of pausedRates) {
            ctx.progress(`api: ${DAMON_PAUSED}; recommend at ${rate} requests/s, evenly spaced`);
            const r = await onApi(() => paced(`recommend, ${DAMON_PAUSED}`, apiUrl, recommendPath, rate, durationS));
            pacedRows.push(r);
            if (!r.sustainable) break;
          }
          ctx.progress(`api: ${DAMON_PAUSED}; hello-world at ${pausedRates[0]} requests/s, evenly spaced`);
          pacedRows.push(await onHello(() => paced(`fastify hello-world, ${DAMON_PAUSED}`, helloUrl, () => '/', pausedRates[0]!, durationS)));
        });
    const sources = await candidateSources(apiUrl);

    const helloMax = rows.find((r) => r.target === 'fastify hello-world' && r.rate === null)!;
    const searchingMax = rows.find((r) => r.target === SEARCHING && r.rate === null)!;
    const apiMax = rows.find((r) => r.target === 'recommend' && r.rate === null)!;
    const sustained = rows.filter((r) => r.target === 'recommend' && r.rate !== null && r.sustainable).map((r) => r.rate!);
    const pacedSustained = pacedRows.filter((r) => r.target === 'recommend' && r.sustainable).map((r) => r.rate!);
    const at1000 = rows.find((r) => r.target === 'recommend' && r.rate === 1000);
    const pacedAt1000 = pacedRows.find((r) => r.target === 'recommend' && r.rate === 1000);
    const pausedRows = pacedRows.filter((r) => r.target === `recommend, ${DAMON_PAUSED}`);
    const pausedAt1000 = pausedRows.find((r) => r.rate === 1000);
    const pausedSustained = pausedRows.filter((r) => r.sustainable).map((r) => r.rate!);
    const kdamond = (r: LoadRow) => (r.kdamondMsPerS === undefined ? '' : `; kdamond ${Math.round(r.kdamondMsPerS)} ms CPU/s`);
    const headline: Headline[] = [
      { label: 'recommend max requests/s ÷ fastify hello-world max (same machine, same run)', value: ratio(apiMax.achievedPerS, helloMax.achievedPerS), unit: `× (${apiMax.achievedPerS} vs ${helloMax.achievedPerS} requests/s)` },
      { label: `recommend highest sustainable rate, evenly spaced (of ${pacedRates.join(', ')})`, value: pacedSustained.length ? Math.max(...pacedSustained) : 'none', unit: 'requests/s' },
      { label: `recommend highest sustainable rate, autocannon's per-second bursts (of ${rates.join(', ')})`, value: sustained.length ? Math.max(...sustained) : 'none', unit: 'requests/s' },
    ];
    headline.push({ label: 'recommend max requests/s ÷ the same with an HNSW search per request (RECOMMEND_POOL_MAX_AGE_MS=0), same run', value: ratio(apiMax.achievedPerS, searchingMax.achievedPerS), unit: `× (${apiMax.achievedPerS} vs ${searchingMax.achievedPerS} requests/s)` });
    if (apiMax.serverCpuUsPerRequest !== undefined && helloMax.serverCpuUsPerRequest !== undefined) {
      headline.push({ label: 'recommend server CPU per request at its max rate ÷ fastify hello-world\'s (same run)', value: ratio(apiMax.serverCpuUsPerRequest, helloMax.serverCpuUsPerRequest), unit: `× (${Math.round(apiMax.serverCpuUsPerRequest)} vs ${Math.round(helloMax.serverCpuUsPerRequest)} µs)` });
    }
    if (pacedAt1000) headline.push({ label: 'recommend p99 at 1,000 requests/s, evenly spaced', value: pacedAt1000.p99Ms, unit: `ms (p50 ${pacedAt1000.p50Ms} ms, max ${pacedAt1000.maxMs} ms${kdamond(pacedAt1000)})` });
    if (pausedAt1000) headline.push({ label: `recommend p99 at 1,000 requests/s, evenly spaced, kernel ${DAMON_PAUSED} (--pause-damon)`, value: pausedAt1000.p99Ms, unit: `ms (p50 ${pausedAt1000.p50Ms} ms, max ${pausedAt1000.maxMs} ms)` });
    if (pausedRows.length) headline.push({ label: `recommend highest sustainable rate, evenly spaced, kernel ${DAMON_PAUSED} (of ${pausedRates.join(', ')})`, value: pausedSustained.length ? Math.max(...pausedSustained) : 'none', unit: 'requests/s' });
    if (at1000) headline.push({ label: "recommend p99 at 1,000 requests/s, autocannon's per-second bursts", value: at1000.p99Ms, unit: `ms (p50 ${at1000.p50Ms} ms)` });
    return {
      headline,
      tables: [
        {
          title: `recommend with ${items.toLocaleString('en-US')} items × ${config.model.dim} dims in the index (${USERS} warm users, k = ${K}), ${durationS} s per row`,
          columns: ['target', 'asked requests/s', 'served requests/s', 'p50 ms', 'p99 ms', 'max ms', 'errors + non-2xx', 'sustainable', 'server CPU µs/request', 'kdamond CPU ms/s'],
          rows: loadCells(rows),
        },
        {
          title: `recommend at fixed rates, evenly spaced (open loop), same index and users, ${durationS} s per row`,
          columns: ['target', 'asked requests/s', 'served requests/s', 'p50 ms', 'p99 ms', 'max ms', 'errors + non-2xx', 'sustainable', 'server CPU µs/request', 'kdamond CPU ms/s', 'sends > 5 ms late'],
          rows: loadCells(pacedRows).map((cells, i) => [...cells, pacedRows[i]!.lateSends]),
        },
      ],
      notes: [
        `The API is workers/api.ts in its own process (the code \`streamrec serve\` runs), ready after ${readyS.toFixed(1)} s (index filled from the item-embeddings topic); hello-world is fastify with one JSON route in its own process.`,
        `autocannon ${packageVersion('autocannon') ?? ''} in the bench process on the same 2 cores, 32 connections; sustainable = ≥ 95% of the asked rate served, no errors, p99 < 100 ms. Rates above the first unsustainable one past 1,000/s are not tried.`,
        "autocannon's fixed rate (overallRate) gives each connection a quota per second that it sends back to back when the second starts, so its fixed-rate rows measure a burst of the whole second's requests draining through the server; it also back-fills latencies with an expected interval of 1 ms. The second table spaces requests evenly (request i due at start + i / rate, sent when due on keep-alive sockets from node:net in the bench process, new sockets opening while others wait, so a stalled server cannot slow the sending: no coordinated omission); latency is send → last byte, and a row with more than 1% of sends over 5 ms late (the generator itself behind) is not sustainable. The targets are read from the second table.",
        `Warm users: ${warm.users} users' recent histories (${warm.events} view events, up to 20 per user, each user within one neighbourhood of the catalog) were produced to the clickstream topic and applied by a real learner (workers/learner.ts), which stored each state with the candidate pool it searched (${warm.pooled} of ${warm.users} with at least k candidates; ${warm.tookS.toFixed(1)} s including the learner's start); the learner was stopped before the measurements. Each request is a random one of them, so every answer reads Redis and runs the filters and the ranking, never the cold-user fallback (checked before the run).`,
        `"recommend" is the API as deployed: it serves the ranking the learner stored with the user's state at their last event (at most RECOMMEND_POOL_MAX_AGE_MS old), minus what the request filters, instead of searching; its /metrics counted ${sources.pool} answers from pools and ${sources.search} searches over the whole run. "${SEARCHING}" is a second API process on the same topic and users with RECOMMEND_POOL_MAX_AGE_MS=0, which searches its HNSW index (k 50 for the trending re-rank, HNSW_EF_SEARCH ${config.model.efSearch}, which is 64 at this size) for every request: what a user whose pool is stale or too small costs.`,
        'server CPU µs/request = the server process\'s user + system CPU time over the row (/proc/<pid>/stat, all its threads, GC included) ÷ requests served: the server\'s own cost, which the generator and the rest of the machine do not add to; at low rates it is higher per request (the CPU idles between requests and each one starts with colder caches).',
        ...notes,
        'kdamond CPU ms/s = CPU time of the kernel\'s DAMON memory-reclaim threads per second of the row (/proc/<pid>/schedstat). On this project\'s VM image one runs from boot over all physical memory with a pageout scheme (up to 50 ms/s); its bursts, about every 0.5 s, stall every process that touches memory for 10–45 ms, which is most of the tail here (native-bench/lib/damon.ts). `--pause-damon` (root) adds rows measured with it paused and turns it back on after.',
      ],
      skipped,
      versions: { fastify: packageVersion('fastify') ?? '?', autocannon: packageVersion('autocannon') ?? '?' },
      data: { rows, pacedRows, readyS, items, warm, candidateSources: sources },
    };
  } finally {
    for (const w of workers) await w.stop();
    const keys = await redis.keys(`${config.redis.keyPrefix}:*`).catch(() => [] as string[]);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500)).catch(() => undefined);
    redis.disconnect();
    await dropTopics(kafka, config);
  }
}

/** The API's streamrec_recommend_candidates_total counters (other labels, like the registry's role, may follow): answers that ranked a pool vs searched. */
async function candidateSources(apiUrl: string): Promise<{ pool: number; search: number }> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const count = (source: string) => Number(new RegExp(`^streamrec_recommend_candidates_total\\{source="${source}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { pool: count('pool'), search: count('search') };
}

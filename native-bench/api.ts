import { createRedis } from '../src/adapters/redis/client.ts';
import { createRedisKeys } from '../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../src/adapters/redis/user-store.ts';
import { itemHash } from '../src/core/item-hash.ts';
import { createUserState } from '../src/core/user-state.ts';
import type { BenchContext } from './bench.ts';
import { ITEM_VECTORS_SEED, makeVectors, row } from './ann/data.ts';
import { load, loadCells, withServerCpu, type LoadRow } from './api/load.ts';
import { paced, type PacedRow } from './api/paced.ts';
import { itemId } from './lib/clickstream.ts';
import { benchEnvironment, benchLog, configEnv, dropTopics, publishItems, startWorker, waitFor, type Worker } from './lib/engine-env.ts';
import { packageVersion } from './lib/engine.ts';
import { freePort } from './lib/redis-server.ts';
import type { BenchOutcome, Headline } from './lib/report.ts';
import { createRng, ratio } from './lib/stats.ts';

const USERS = 1000;

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
  const { config, kafka } = await benchEnvironment(ctx.config, 'api');
  const redis = await createRedis(config, benchLog);
  const workers: Worker[] = [];
  try {
    ctx.progress(`api: publishing ${items.toLocaleString('en-US')} item vectors to ${config.topics.itemEmbeddings}`);
    await publishItems(kafka, config, items);
    await writeUsers(redis, config.redis.keyPrefix, config.model.dim, items);

    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const started = Date.now();
    const api = startWorker('workers/api.ts', configEnv(config, { PORT: String(apiPort), HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '100000000', CATCH_UP_TIMEOUT_MS: '900000', API_INDEX_SNAPSHOT_DIR: 'off' }));
    workers.push(api);
    ctx.progress('api: waiting for /readyz (index loaded from the item-embeddings topic)');
    await waitFor('API ready', 15 * 60_000, async () => (await fetch(`${apiUrl}/readyz`)).status === 200, api);
    const readyS = (Date.now() - started) / 1000;
    const probe = (await (await fetch(`${apiUrl}/v1/users/user-1/recommendations?k=10`)).json()) as { items: Array<{ source: string }>; fallback: boolean };
    if (probe.fallback || probe.items[0]?.source !== 'model') throw new Error(`recommend answered from the fallback, not the model: ${JSON.stringify(probe).slice(0, 200)}`);

    const helloPort = await freePort();
    const hello = startWorker('native-bench/api/hello-server.ts', { PORT: String(helloPort) });
    workers.push(hello);
    const helloUrl = `http://127.0.0.1:${helloPort}`;
    await waitFor('hello-world server', 30_000, async () => (await fetch(helloUrl)).ok, hello);

    // Every row also reads its server's CPU per request (withServerCpu).
    const onApi = <R extends LoadRow>(run: () => Promise<R>) => withServerCpu(api.pid, durationS, run);
    const onHello = <R extends LoadRow>(run: () => Promise<R>) => withServerCpu(hello.pid, durationS, run);
    const rng = createRng(3);
    const recommendPath = () => `/v1/users/user-${Math.floor(rng() * USERS)}/recommendations?k=10`;
    const rows: LoadRow[] = [];
    ctx.progress('api: hello-world, as fast as it goes');
    rows.push(await onHello(() => load('fastify hello-world', helloUrl, () => '/', null, durationS)));
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
    ctx.progress('api: hello-world at 1000 requests/s, evenly spaced');
    pacedRows.push(await onHello(() => paced('fastify hello-world', helloUrl, () => '/', 1000, durationS)));

    const helloMax = rows.find((r) => r.target !== 'recommend' && r.rate === null)!;
    const apiMax = rows.find((r) => r.target === 'recommend' && r.rate === null)!;
    const sustained = rows.filter((r) => r.target === 'recommend' && r.rate !== null && r.sustainable).map((r) => r.rate!);
    const pacedSustained = pacedRows.filter((r) => r.target === 'recommend' && r.sustainable).map((r) => r.rate!);
    const at1000 = rows.find((r) => r.target === 'recommend' && r.rate === 1000);
    const pacedAt1000 = pacedRows.find((r) => r.target === 'recommend' && r.rate === 1000);
    const headline: Headline[] = [
      { label: 'recommend max requests/s ÷ fastify hello-world max (same machine, same run)', value: ratio(apiMax.achievedPerS, helloMax.achievedPerS), unit: `× (${apiMax.achievedPerS} vs ${helloMax.achievedPerS} requests/s)` },
      { label: `recommend highest sustainable rate, evenly spaced (of ${pacedRates.join(', ')})`, value: pacedSustained.length ? Math.max(...pacedSustained) : 'none', unit: 'requests/s' },
      { label: `recommend highest sustainable rate, autocannon's per-second bursts (of ${rates.join(', ')})`, value: sustained.length ? Math.max(...sustained) : 'none', unit: 'requests/s' },
    ];
    if (apiMax.serverCpuUsPerRequest !== undefined && helloMax.serverCpuUsPerRequest !== undefined) {
      headline.push({ label: 'recommend server CPU per request at its max rate ÷ fastify hello-world\'s (same run)', value: ratio(apiMax.serverCpuUsPerRequest, helloMax.serverCpuUsPerRequest), unit: `× (${Math.round(apiMax.serverCpuUsPerRequest)} vs ${Math.round(helloMax.serverCpuUsPerRequest)} µs)` });
    }
    if (pacedAt1000) headline.push({ label: 'recommend p99 at 1,000 requests/s, evenly spaced', value: pacedAt1000.p99Ms, unit: `ms (p50 ${pacedAt1000.p50Ms} ms, max ${pacedAt1000.maxMs} ms)` });
    if (at1000) headline.push({ label: "recommend p99 at 1,000 requests/s, autocannon's per-second bursts", value: at1000.p99Ms, unit: `ms (p50 ${at1000.p50Ms} ms)` });
    return {
      headline,
      tables: [
        {
          title: `recommend with ${items.toLocaleString('en-US')} items × ${config.model.dim} dims in the index (${USERS} warm users, k = 10), ${durationS} s per row`,
          columns: ['target', 'asked requests/s', 'served requests/s', 'p50 ms', 'p99 ms', 'max ms', 'errors + non-2xx', 'sustainable', 'server CPU µs/request'],
          rows: loadCells(rows),
        },
        {
          title: `recommend at fixed rates, evenly spaced (open loop), same index and users, ${durationS} s per row`,
          columns: ['target', 'asked requests/s', 'served requests/s', 'p50 ms', 'p99 ms', 'max ms', 'errors + non-2xx', 'sustainable', 'server CPU µs/request', 'sends > 5 ms late'],
          rows: loadCells(pacedRows).map((cells, i) => [...cells, pacedRows[i]!.lateSends]),
        },
      ],
      notes: [
        `The API is workers/api.ts in its own process (the code \`streamrec serve\` runs), ready after ${readyS.toFixed(1)} s (index filled from the item-embeddings topic); hello-world is fastify with one JSON route in its own process.`,
        `autocannon ${packageVersion('autocannon') ?? ''} in the bench process on the same 2 cores, 32 connections; sustainable = ≥ 95% of the asked rate served, no errors, p99 < 100 ms. Rates above the first unsustainable one past 1,000/s are not tried.`,
        "autocannon's fixed rate (overallRate) gives each connection a quota per second that it sends back to back when the second starts, so its fixed-rate rows measure a burst of the whole second's requests draining through the server; it also back-fills latencies with an expected interval of 1 ms. The second table spaces requests evenly (request i due at start + i / rate, sent when due on keep-alive sockets from node:net in the bench process, new sockets opening while others wait, so a stalled server cannot slow the sending: no coordinated omission); latency is send → last byte, and a row with more than 1% of sends over 5 ms late (the generator itself behind) is not sustainable. The targets are read from the second table.",
        'Each request is a random one of the warm users (state in Redis), so every answer goes through Redis, the HNSW index and the filters, never the cold-user fallback (checked before the run).',
        'server CPU µs/request = the server process\'s user + system CPU time over the row (/proc/<pid>/stat, all its threads, GC included) ÷ requests served: the server\'s own cost, which the generator and the rest of the machine do not add to; at low rates it is higher per request (the CPU idles between requests and each one starts with colder caches).',
      ],
      skipped: [],
      versions: { fastify: packageVersion('fastify') ?? '?', autocannon: packageVersion('autocannon') ?? '?' },
      data: { rows, pacedRows, readyS, items },
    };
  } finally {
    for (const w of workers) await w.stop();
    const keys = await redis.keys(`${config.redis.keyPrefix}:*`).catch(() => [] as string[]);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500)).catch(() => undefined);
    redis.disconnect();
    await dropTopics(kafka, config);
  }
}

/**
 * Warm users as a storefront makes them: each has a recent history of up to 20 items from one
 * neighbourhood (a blob of the published item vectors) and a long-term vector at one of them,
 * so the query (built from the history) is a taste. Histories drawn from the whole catalog
 * would average to a query near no item, which HNSW serves more slowly than any real user
 * (about 18% at 100k x 64, k 50, ef 64) and no storefront sends.
 */
async function writeUsers(redis: Parameters<typeof createRedisUserStore>[0], prefix: string, dim: number, items: number): Promise<void> {
  const store = createRedisUserStore(redis, createRedisKeys(prefix));
  const catalog = makeVectors(items, dim, ITEM_VECTORS_SEED);
  const blobs = new Map<number, number[]>();
  for (let j = 0; j < items; j++) {
    const members = blobs.get(catalog.clusterOf[j]!) ?? [];
    members.push(j);
    blobs.set(catalog.clusterOf[j]!, members);
  }
  const rng = createRng(5);
  const states = [];
  for (let u = 0; u < USERS; u++) {
    const home = Math.floor(rng() * items);
    const neighbourhood = blobs.get(catalog.clusterOf[home]!)!;
    const s = createUserState(`user-${u}`, dim);
    s.vector = row(catalog, home).slice();
    const seen = Array.from({ length: 20 }, () => itemId(neighbourhood[Math.floor(rng() * neighbourhood.length)]!));
    const seenIds = [...new Set(seen)];
    s.seen = seenIds.map(itemHash);
    s.history = seenIds.map((itemIdSeen, i) => ({ itemId: itemIdSeen, type: 'view' as const, ts: Date.now() - 60_000 + i }));
    s.eventCount = s.history.length;
    s.lastEventTs = Date.now() - 1000;
    s.updatedAtMs = Date.now();
    s.position = { partition: 0, offset: u };
    states.push(s);
  }
  await store.commit(states);
}

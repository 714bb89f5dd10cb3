import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../../native-bench/lib/types.ts';

const run = promisify(execFile);

/**
 * Runs `native-bench/run.ts --quick` so the benchmarks never rot. It checks that every
 * bench produced a result with sane fields, never how fast anything was.
 */
describe('native-bench --quick', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'streamrec-bench-test-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  const read = (name: string) => JSON.parse(readFileSync(join(outDir, `${name}.json`), 'utf8')) as BenchResult;

  it('runs every bench in quick mode and writes JSON plus the markdown table', { timeout: 420_000 }, async () => {
    const { stderr } = await run(process.execPath, ['--import', 'tsx', 'native-bench/run.ts', '--quick', '--out', outDir], {
      timeout: 400_000,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`bench run failed: ${err.stderr ?? err.message}`);
    });
    expect(stderr).toContain('table ->');
    const md = readFileSync(join(outDir, 'latest.md'), 'utf8');
    for (const chart of ['ann-5000.svg', 'pipeline-freshness.svg', 'api-latency.svg']) {
      expect(readFileSync(join(outDir, chart), 'utf8')).toMatch(/^<svg [^]*<polyline [^]*<\/svg>\n$/);
      expect(md).toContain(`](${chart})`);
    }
    for (const name of ['ann', 'redis', 'quality', 'api', 'pipeline', 'soak']) {
      expect(existsSync(join(outDir, `${name}.json`))).toBe(true);
      expect(md).toContain(`(\`${name}\`)`);
    }
    for (const name of ['ann', 'redis', 'quality', 'api', 'pipeline', 'soak']) {
      const r = read(name);
      expect(r.quick).toBe(true);
      expect(r.machine.cores).toBeGreaterThan(0);
      expect(r.machine.node).toBe(process.version);
      expect(r.machine.redis).toMatch(/^\d+\.\d+/);
      expect(Date.parse(r.machine.date)).not.toBeNaN();
      // A bench may skip a part whose engine code has not landed, never fail.
      for (const s of r.skipped) expect(s.reason).not.toMatch(/^failed/);
    }
  });

  it('ANN rows carry recall in [0, 1], positive query rates, and the exact twin', () => {
    const rows = (read('ann').data?.rows ?? []) as Array<{ contender: string; recallAt10: number; queriesPerS: number; buildS: number }>;
    expect(rows.some((r) => r.contender === 'exact')).toBe(true);
    expect(rows.some((r) => r.contender !== 'exact')).toBe(true);
    for (const r of rows) {
      expect(r.recallAt10).toBeGreaterThanOrEqual(0);
      expect(r.recallAt10).toBeLessThanOrEqual(1);
      expect(r.queriesPerS).toBeGreaterThan(0);
      expect(r.buildS).toBeGreaterThanOrEqual(0);
    }
    expect(rows.find((r) => r.contender === 'exact')?.recallAt10).toBe(1);
  });

  it('quality runs streamrec eval and reports HR@k per model in [0, 1]', () => {
    const rows = read('quality').tables[0]?.rows ?? [];
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      expect(Number(row[2])).toBeGreaterThanOrEqual(0);
      expect(Number(row[2])).toBeLessThanOrEqual(1);
    }
  });

  it('eval-speed has the online model and item-kNN side by side with positive events/s', () => {
    const rows = (read('eval-speed').data?.rows ?? []) as Array<{ dataset: string; model: string; eventsPerS: number }>;
    for (const dataset of new Set(rows.map((r) => r.dataset))) {
      expect(rows.filter((r) => r.dataset === dataset).map((r) => r.model).sort()).toEqual(['itemknn', 'online']);
    }
    for (const r of rows) expect(r.eventsPerS).toBeGreaterThan(0);
  });

  it('API result has the recommend and hello-world rows with latencies, autocannon and evenly spaced', () => {
    type Row = { target: string; achievedPerS: number; p50Ms: number; p99Ms: number; maxMs: number; serverCpuUsPerRequest?: number };
    const data = read('api').data as { rows: Row[]; pacedRows: Row[] };
    for (const rows of [data.rows, data.pacedRows]) {
      expect(rows.some((r) => r.target === 'recommend')).toBe(true);
      expect(rows.some((r) => r.target === 'fastify hello-world')).toBe(true);
      for (const r of rows) {
        expect(r.achievedPerS).toBeGreaterThan(0);
        expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
        expect(r.maxMs).toBeGreaterThanOrEqual(r.p99Ms);
        // Each row read its server's CPU from /proc: a request costs something, and far less than a second.
        expect(r.serverCpuUsPerRequest).toBeGreaterThan(0);
        expect(r.serverCpuUsPerRequest).toBeLessThan(1_000_000);
      }
    }
  });

  it('pipeline result has learner throughput, the broker ceiling and freshness percentiles', () => {
    const data = read('pipeline').data as {
      learnerPerS: number;
      ceiling?: { producerRecordsPerS: number; consumerFetchRecordsPerS: number };
      freshness: Array<{ lists: number; toTopic: { p50: number; p99: number; max: number } }>;
    };
    expect(data.learnerPerS).toBeGreaterThan(0);
    expect(data.ceiling?.producerRecordsPerS).toBeGreaterThan(0);
    expect(data.ceiling?.consumerFetchRecordsPerS).toBeGreaterThan(0);
    expect(data.freshness.length).toBeGreaterThan(0);
    for (const f of data.freshness) {
      expect(f.lists).toBeGreaterThan(0);
      expect(f.toTopic.p50).toBeLessThanOrEqual(f.toTopic.p99);
      expect(f.toTopic.p99).toBeLessThanOrEqual(f.toTopic.max);
    }
  });

  it('pipeline result has kafkajs and @platformatic/kafka side by side on the same records', () => {
    const r = read('pipeline');
    const rows = (r.data?.kafkaClients ?? []) as Array<{
      client: string; records: number; decoded: number; rejected: number; consumePerS: number; consumeInclJoinPerS: number; joinMs: number; producePerS: number; producedOnBroker: number;
    }>;
    expect(rows.map((c) => c.client)).toEqual(['kafkajs', '@platformatic/kafka']);
    for (const c of rows) {
      // Every record of the backlog consumed and decoded by the engine's codec, and produced once.
      expect(c.records).toBeGreaterThan(0);
      expect(c.decoded).toBe(c.records);
      expect(c.rejected).toBe(0);
      expect(c.producedOnBroker).toBe(c.records);
      expect(c.consumePerS).toBeGreaterThan(0);
      expect(c.consumeInclJoinPerS).toBeLessThanOrEqual(c.consumePerS);
      expect(c.joinMs).toBeGreaterThanOrEqual(0);
      expect(c.producePerS).toBeGreaterThan(0);
    }
    expect(r.headline.some((h) => h.label.startsWith('@platformatic/kafka ÷ kafkajs, consume'))).toBe(true);
  });

  it('soak result has memory, lag and event-loop delay of the learner and the API, window by window', () => {
    type Proc = { rssMiB: number; heapUsedMiB: number; loopP99Ms: number; loopMaxMs: number };
    const data = read('soak').data as {
      windows: Array<{ endS: number; phase: string; lag: number; learner: Proc; api: Proc }>;
      requests: { achievedPerS: number; p50Ms: number; p99Ms: number };
      lagAfter: number;
    };
    expect(data.windows.filter((w) => w.phase === 'load').length).toBeGreaterThanOrEqual(2);
    for (const w of data.windows) {
      expect(w.lag).toBeGreaterThanOrEqual(0);
      for (const p of [w.learner, w.api]) {
        // A Node process with an index loaded is more than 10 MiB and less than 10 GiB.
        expect(p.rssMiB).toBeGreaterThan(10);
        expect(p.rssMiB).toBeLessThan(10_000);
        expect(p.heapUsedMiB).toBeGreaterThan(0);
        expect(p.loopMaxMs).toBeGreaterThanOrEqual(p.loopP99Ms);
      }
    }
    expect(data.requests.achievedPerS).toBeGreaterThan(0);
    expect(data.requests.p99Ms).toBeGreaterThanOrEqual(data.requests.p50Ms);
    expect(data.lagAfter).toBeGreaterThanOrEqual(0);
  });

  it('Redis result has bytes per user, round trips per batch and the redis-benchmark ceiling', () => {
    const r = read('redis');
    const table = r.tables.find((t) => t.title.startsWith('redis-benchmark'));
    expect(table?.rows.length).toBeGreaterThan(0);
    for (const row of table?.rows ?? []) expect(Number(row[2])).toBeGreaterThan(0);
    const store = r.data?.store as { bytesPerUser: number; capKeyBytes: number; roundTrips: { p50: number; max: number } };
    // A 64-dim Float32 vector alone is 256 bytes; a user's whole state is not 1 MB.
    expect(store.bytesPerUser).toBeGreaterThan(256);
    expect(store.bytesPerUser).toBeLessThan(1_000_000);
    expect(store.capKeyBytes).toBeGreaterThan(256);
    expect(store.roundTrips.p50).toBeGreaterThanOrEqual(1);
  });
});

import type { BenchContext, BenchOutcome, Headline, ResultTable, Skipped } from './lib/types.ts';
import { startScratchRedis } from './lib/redis-server.ts';
import { ceilingCells, redisBenchmark } from './redis/ceiling.ts';
import { measureUserStore } from './redis/user-store.ts';

const VALUE_BYTES = 512;

export async function runRedis(ctx: BenchContext): Promise<BenchOutcome> {
  const redis = await startScratchRedis();
  try {
    const headline: Headline[] = [];
    const tables: ResultTable[] = [];
    const skipped: Skipped[] = [];
    const notes = [
      `A private redis-server (same binary as the stack's) on port ${redis.port}, no persistence, so INFO memory sees only this benchmark.`,
    ];
    ctx.progress('redis: user state store');
    const store = await measureUserStore(ctx, redis);
    headline.push(...store.headline);
    tables.push(...store.tables);
    notes.push(...store.notes);
    ctx.progress('redis: redis-benchmark ceiling');
    const ceiling = await redisBenchmark(redis.port, ctx.quick ? 20_000 : 200_000, VALUE_BYTES);
    tables.push({
      title: `redis-benchmark ceiling (50 clients, ${VALUE_BYTES}-byte values)`,
      columns: ['command', 'pipeline depth', 'requests/s', 'p50 ms', 'p99 ms'],
      rows: ceilingCells(ceiling),
    });
    const setP32 = ceiling.find((r) => r.test === 'SET' && r.pipeline === 32);
    if (setP32) headline.push({ label: 'redis-benchmark SET ceiling (pipeline 32)', value: setP32.requestsPerS, unit: 'requests/s' });
    return { headline, tables, notes, skipped, data: { store: store.data, ceiling } };
  } finally {
    await redis.stop();
  }
}

import type { BenchContext } from '../bench.ts';
import { importIfPresent } from '../lib/engine.ts';
import type { ScratchRedis } from '../lib/redis-server.ts';
import type { Headline, ResultTable, Skipped } from '../lib/report.ts';

export type StoreMeasurement = { skipped: Skipped } | { headline: Headline[]; tables: ResultTable[]; notes: string[] };

export async function measureUserStore(_ctx: BenchContext, _redis: ScratchRedis): Promise<StoreMeasurement> {
  const mod = await importIfPresent('src/adapters/redis/user-store.ts');
  if (!mod) return { skipped: { what: 'bytes per user, round trips per batch', reason: 'src/adapters/redis/user-store.ts has not landed yet' } };
  return { skipped: { what: 'bytes per user, round trips per batch', reason: 'not wired yet' } };
}

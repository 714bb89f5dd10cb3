import { runChild } from './lib/child.ts';
import { packageVersion } from './lib/engine.ts';
import type { BenchContext, BenchOutcome, Cell, Headline, ResultTable, Skipped } from './lib/types.ts';
import { ratio, sig } from './lib/stats.ts';
import type { AnnChildInput, AnnChildOutput } from './ann/child.ts';
import { ANN_CLUSTERS, ANN_SPREAD } from './ann/data.ts';
import type { ContenderName } from './ann/contenders.ts';

const DIM = 64;
const K = 10;
const M = 16;
const EF_CONSTRUCTION = 200;
/** 64 is in the sweep because usearch is measured at ef 64 (fixed at its construction). */
const EFS = [16, 32, 64, 128, 256];
const USEARCH_EF = 64;
const CHILD = 'native-bench/ann/child.ts';

interface Row {
  count: number;
  label: string;
  contender: ContenderName;
  ef: number | null;
  buildS: number;
  rssMiB: number;
  heapMiB: number;
  arrayBuffersMiB: number;
  queriesPerS: number;
  recallAt10: number;
}

export async function runAnn(ctx: BenchContext): Promise<BenchOutcome> {
  const sizes = ctx.quick ? [5_000] : ctx.options.ann1m ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];
  const rows: Row[] = [];
  const skipped: Skipped[] = [];
  if (!ctx.quick && !ctx.options.ann1m) skipped.push({ what: '1M items', reason: 'not run; pass --ann-1m (takes long on 2 cores)' });
  for (const count of sizes) {
    const queries = ctx.quick ? 200 : count >= 1_000_000 ? 300 : 1000;
    const base = { count, dim: DIM, queries, k: K, efs: EFS, M, efConstruction: EF_CONSTRUCTION, minSeconds: ctx.quick ? 0.2 : 2 };
    let truth: number[][] | undefined;
    for (const contender of ['exact', 'hnsw', 'hnswlib', 'usearch'] as const) {
      ctx.progress(`ann: ${contender} on ${count.toLocaleString('en-US')} items`);
      let out: AnnChildOutput;
      try {
        out = await runChild<AnnChildOutput>(CHILD, { ...base, contender } satisfies AnnChildInput, 60 * 60_000, ctx.progress);
      } catch (err) {
        skipped.push({ what: `${contender} at ${count}`, reason: (err as Error).message });
        continue;
      }
      if (contender === 'exact') truth = out.perEf[0]?.ids;
      for (const r of out.perEf) {
        rows.push({
          count,
          label: out.label,
          contender,
          ef: r.ef,
          buildS: sig(out.buildMs / 1000),
          rssMiB: out.memory.rssMiB,
          heapMiB: out.memory.heapMiB,
          arrayBuffersMiB: out.memory.arrayBuffersMiB,
          queriesPerS: sig(r.queriesPerS),
          recallAt10: truth ? sig(recall(r.ids, truth), 4) : Number.NaN,
        });
      }
    }
  }
  return {
    headline: headlines(rows),
    tables: sizes.map((count) => table(count, rows.filter((r) => r.count === count))),
    notes: [
      `Data: ${DIM}-dim seeded Gaussian mixture (${ANN_CLUSTERS} clusters, spread ${ANN_SPREAD}); queries from the same mixture, not stored items; cosine; k = ${K}.`,
      `HNSW parameters M = ${M}, efConstruction = ${EF_CONSTRUCTION} (the engine's defaults); ef swept: the engine's index is saved once and reloaded per ef with loadHnswIndex(path, { efSearch }), as serving does.`,
      'Each contender runs in a fresh Node process: build time is wall clock for inserting every item one by one; memory is the RSS / JS heap / ArrayBuffer delta across the build (after GC).',
      'queries/s: one query at a time on one thread after 50 warm-up queries (the serving pattern), the query set repeated for at least 2 s per row; recall@10 against the exact twin on the same queries.',
    ],
    skipped,
    versions: {
      'hnswlib-node': packageVersion('hnswlib-node') ?? '?',
      usearch: packageVersion('usearch') ?? 'not installed',
    },
    data: { rows },
  };
}

function recall(got: number[][], truth: number[][]): number {
  let hit = 0;
  let total = 0;
  for (let q = 0; q < truth.length; q++) {
    const want = new Set(truth[q]);
    total += want.size;
    for (const id of got[q] ?? []) if (want.has(id)) hit++;
  }
  return total === 0 ? Number.NaN : hit / total;
}

function table(count: number, rows: Row[]): ResultTable {
  const exact = rows.find((r) => r.contender === 'exact');
  const cells: Cell[][] = rows.map((r) => [
    r.label,
    r.ef,
    r.buildS,
    r.rssMiB,
    r.heapMiB,
    r.arrayBuffersMiB,
    r.queriesPerS,
    exact ? ratio(r.queriesPerS, exact.queriesPerS) : null,
    r.recallAt10,
  ]);
  return {
    title: `ANN, ${count.toLocaleString('en-US')} items × ${DIM} dims`,
    columns: ['index', 'ef', 'build s', 'RSS Δ MiB', 'heap Δ MiB', 'ArrayBuffer Δ MiB', 'queries/s', '× exact', 'recall@10'],
    rows: cells,
  };
}

/** Per size: the engine's HNSW at the smallest ef reaching recall 0.95, as a ratio to exact. */
function headlines(rows: Row[]): Headline[] {
  const out: Headline[] = [];
  for (const count of [...new Set(rows.map((r) => r.count))]) {
    const at = rows.filter((r) => r.count === count);
    const exact = at.find((r) => r.contender === 'exact');
    const engine = 'hnsw';
    const best = at.filter((r) => r.contender === engine && r.recallAt10 >= 0.95).sort((a, b) => b.queriesPerS - a.queriesPerS)[0];
    if (!exact || !best) continue;
    const n = count.toLocaleString('en-US');
    out.push({
      label: `${n} items: engine HNSW queries/s ÷ exact at recall@10 ${best.recallAt10} (ef ${best.ef})`,
      value: ratio(best.queriesPerS, exact.queriesPerS),
      unit: `× (${best.queriesPerS} vs ${exact.queriesPerS} q/s)`,
    });
    const us = at.find((r) => r.contender === 'usearch');
    const direct = at.find((r) => r.contender === 'hnswlib' && r.ef === USEARCH_EF);
    if (us && direct) {
      out.push({
        label: `${n} items: usearch queries/s ÷ hnswlib-node direct, both ef ${USEARCH_EF} (recall ${us.recallAt10} vs ${direct.recallAt10})`,
        value: ratio(us.queriesPerS, direct.queriesPerS),
        unit: '×',
      });
    }
  }
  return out;
}

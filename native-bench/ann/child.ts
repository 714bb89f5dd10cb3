import { childInput, childOutput } from '../lib/child.ts';
import { memoryDelta, memorySnapshot } from '../lib/memory.ts';
import { makeVectors, ITEM_SEED, QUERY_SEED, row } from './data.ts';
import { createContender, type ContenderName } from './contenders.ts';

/** One contender measured in its own process: build, memory, then queries at each ef. */
export interface AnnChildInput {
  contender: ContenderName;
  count: number;
  dim: number;
  queries: number;
  k: number;
  efs: number[];
  M: number;
  efConstruction: number;
  /** Each ef is timed for at least this long (the query set repeats). */
  minSeconds: number;
}

export interface AnnChildOutput {
  label: string;
  buildMs: number;
  memory: ReturnType<typeof memoryDelta>;
  perEf: Array<{ ef: number | null; queriesPerS: number; ids: number[][] }>;
}

const input = childInput<AnnChildInput>();
const items = makeVectors(input.count, input.dim, ITEM_SEED);
const queries = makeVectors(input.queries, input.dim, QUERY_SEED);
const before = memorySnapshot();
const contender = createContender(input.contender, input);
const t0 = performance.now();
contender.build(items);
const buildMs = performance.now() - t0;
const memory = memoryDelta(before, memorySnapshot());
process.stdout.write(`${contender.label}: built ${input.count} in ${(buildMs / 1000).toFixed(1)} s\n`);

const perEf: AnnChildOutput['perEf'] = [];
const efs: Array<number | null> = contender.setEf ? input.efs : [null];
for (const ef of efs) {
  if (ef !== null) contender.setEf?.(ef);
  const warm = Math.min(50, input.queries);
  for (let q = 0; q < warm; q++) contender.search(row(queries, q), input.k);
  const ids: number[][] = [];
  const start = performance.now();
  for (let q = 0; q < input.queries; q++) ids.push(contender.search(row(queries, q), input.k));
  // Repeat the query set until at least minSeconds have passed, so fast indexes are timed long enough.
  let done = input.queries;
  while (performance.now() - start < input.minSeconds * 1000) {
    for (let q = 0; q < input.queries; q++) contender.search(row(queries, q), input.k);
    done += input.queries;
  }
  const seconds = (performance.now() - start) / 1000;
  perEf.push({ ef, queriesPerS: done / seconds, ids });
}
contender.close?.();
await childOutput({ label: contender.label, buildMs, memory, perEf } satisfies AnnChildOutput);

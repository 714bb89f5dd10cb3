import { onlineModelParamsFrom } from '../src/core/online-model-params.ts';
import { createCoVisitation, type CoVisitation } from '../src/core/co-visitation.ts';
import { createHnswIndex } from '../src/core/hnsw-index.ts';
import { itemHash } from '../src/core/item-hash.ts';
import { createModel, type Model } from '../src/core/model.ts';
import { similarDepthFor } from '../src/core/recommender.ts';
import { createNeighbourTable } from '../src/core/neighbour-table.ts';
import { createSessionNeighbours } from '../src/core/session-neighbours.ts';
import { createTrending } from '../src/core/trending.ts';
import { createUserState, type UserState } from '../src/core/user-state.ts';
import type { BenchContext, BenchOutcome } from './lib/types.ts';
import { ratio, sig } from './lib/stats.ts';

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Items fall in clusters of this many consecutive ids; sessions stay inside one. */
const CLUSTER = 200;
const SESSION_LENGTH = 8;
const HISTORY = 10;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * What the co-visitation source costs a recommend: the production model object (src/core/model.ts)
 * over one HNSW index of N × dim random item vectors, answered by a search alone and by a search
 * plus the rules of the user's last 10 items (each item with up to 100 rules, from synthetic
 * sessions, as the replicated NeighbourTable every learner and API process holds), and with the
 * session-neighbour index of the same 3 × N sessions (8 items each) as well, in alternating
 * rounds in one process; CPU µs per recommend, median of rounds.
 * This is the search path: the one the learner runs for every user it updates (the ranking it
 * stores and publishes), and the API when a user's stored ranking cannot be served.
 */
export async function runModelCost(ctx: BenchContext): Promise<BenchOutcome> {
  const items = ctx.quick ? 5_000 : 100_000;
  const users = ctx.quick ? 200 : 1_000;
  const rounds = ctx.quick ? 3 : 9;
  const dim = ctx.config.model.dim;
  const random = rng(7);
  ctx.progress(`model-cost: ${items} items × ${dim}, rules from ${items * 3} sessions`);
  const index = createHnswIndex({ dim, seed: 1, efSearch: 64 });
  for (let i = 0; i < items; i++) {
    const v = new Float32Array(dim);
    for (let d = 0; d < dim - 1; d++) v[d] = random() - 0.5;
    index.upsert(`i${i}`, v);
  }
  const rules: CoVisitation = createCoVisitation();
  const params = onlineModelParamsFrom(ctx.config.model);
  const blends = params.blendChoice.sessionWeights.length;
  const sessions = createSessionNeighbours(params.sessions);
  for (let s = 0; s < items * 3; s++) {
    const base = Math.floor(random() * items);
    const seq: string[] = [];
    for (let j = 0; j < SESSION_LENGTH; j++) {
      const item = `i${(base + Math.floor(random() * CLUSTER)) % items}`;
      rules.observe(item, seq);
      sessions.observe(`s${s}`, item);
      seq.push(item);
    }
  }
  // What learners and API processes hold: the replicated table of each item's published rows
  // (the heaviest maxNeighbours rules), not the refitter's writer.
  const table = createNeighbourTable();
  for (let i = 0; i < items; i++) {
    const row = rules.rowOf(`i${i}`);
    if (row) table.apply({ ...row, updatedAtMs: 0 });
  }
  const trending = createTrending(86_400_000);
  for (let i = 0; i < 5_000; i++) trending.add(`i${Math.floor(random() * items)}`, 1_700_000_000_000 + i, 1);
  const states: UserState[] = Array.from({ length: users }, (_, u) => {
    const base = Math.floor(random() * items);
    const history = Array.from({ length: HISTORY }, (_, j) => ({ itemId: `i${(base + Math.floor(random() * CLUSTER)) % items}`, type: 'click' as const, ts: 1_700_000_000_000 + j }));
    return { ...createUserState(`u${u}`, dim), eventCount: HISTORY, history, seen: history.map((h) => itemHash(h.itemId)) };
  });
  const binding = { index, trending: () => trending, modelVersion: () => 'bench' };
  const variants: Array<{ name: string; model: Model }> = [
    { name: 'search only', model: createModel(params, binding) },
    { name: 'search + co-visitation rules', model: createModel(params, { ...binding, neighbours: table }) },
    { name: 'search + rules + session neighbours (as served)', model: createModel(params, { ...binding, neighbours: table, sessions }) },
    // What a learner's ranking costs: the same sources, ranked under every blend it chooses between.
    { name: `the same, ${blends} blends ranked (as the learner ranks)`, model: createModel(params, { ...binding, neighbours: table, sessions, blendChoice: 'learned' }) },
  ];
  const samples = variants.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    variants.forEach((v, i) => {
      const before = process.cpuUsage();
      for (const user of states) v.model.recommend(user, { k: ctx.config.model.k });
      const used = process.cpuUsage(before);
      samples[i]!.push((used.user + used.system) / states.length);
    });
  }
  const costs = samples.map((s) => median(s));
  const [searchOnly, withRules, withAll, withBlends] = costs as [number, number, number, number];
  // GET /v1/items/:id/similar at the API's depth (each source proposes that many): the embedding
  // alone (what it answered before the sources, and what it answers without them) and as served.
  const depth = similarDepthFor(ctx.config.model.maxK);
  const similarVariants = [variants[0]!, variants[2]!];
  const pages = states.map((u) => u.history[HISTORY - 1]!.itemId);
  const similarSamples = similarVariants.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    similarVariants.forEach((v, i) => {
      const before = process.cpuUsage();
      for (const item of pages) v.model.similar(item, ctx.config.model.k, depth);
      const used = process.cpuUsage(before);
      similarSamples[i]!.push((used.user + used.system) / pages.length);
    });
  }
  const [similarAlone, similarServed] = similarSamples.map((x) => median(x)) as [number, number];
  return {
    headline: [
      { label: 'recommend CPU with co-visitation rules ÷ search only (same run)', value: ratio(withRules, searchOnly), unit: `× (${sig(withRules, 3)} vs ${sig(searchOnly, 3)} µs)` },
      { label: 'recommend CPU with rules and session neighbours (as served) ÷ search only (same run)', value: ratio(withAll, searchOnly), unit: `× (${sig(withAll, 3)} vs ${sig(searchOnly, 3)} µs)` },
      { label: `the same with the ${blends} blends a learner ranks ÷ one blend (same run)`, value: ratio(withBlends, withAll), unit: `× (${sig(withBlends, 3)} vs ${sig(withAll, 3)} µs)` },
      { label: 'similar CPU with rules and session neighbours (as served) ÷ the embedding alone (same run)', value: ratio(similarServed, similarAlone), unit: `× (${sig(similarServed, 3)} vs ${sig(similarAlone, 3)} µs)` },
    ],
    tables: [
      {
        title: `Recommend CPU per call: ${items} items × ${dim} (HNSW), ${users} users with ${HISTORY}-item histories, median of ${rounds} alternating rounds`,
        columns: ['variant', 'CPU µs per recommend (median)', 'rounds (µs)'],
        rows: variants.map((v, i) => [v.name, sig(costs[i]!, 3), samples[i]!.map((x) => sig(x, 3)).join(', ')]),
      },
      {
        title: `Similar CPU per call (GET /v1/items/:id/similar, each source ${depth} deep): the last item of each of the ${users} histories, median of ${rounds} alternating rounds`,
        columns: ['variant', 'CPU µs per similar (median)', 'rounds (µs)'],
        rows: similarVariants.map((v, i) => [`similar, ${v.name}`, sig(median(similarSamples[i]!), 3), similarSamples[i]!.map((x) => sig(x, 3)).join(', ')]),
      },
    ],
    notes: [
      'The model object every process answers through (src/core/model.ts), bound once with and once without the rules; k = DEFAULT_K, seen items excluded, trending re-rank on, as served.',
      ctx.quick ? 'Quick mode: a small index; it proves the path, not the cost.' : 'The ratio is the figure to compare across runs; absolute µs move with the machine\'s load.',
    ],
    skipped: [],
    data: {
      items,
      users,
      rounds,
      costs: variants.map((v, i) => ({ variant: v.name, cpuUsPerRecommend: costs[i], samples: samples[i] })),
      similar: similarVariants.map((v, i) => ({ variant: v.name, cpuUsPerSimilar: median(similarSamples[i]!), samples: similarSamples[i] })),
    },
  };
}

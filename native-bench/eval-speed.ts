import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickEvent } from '../src/core/events.ts';
import { readDataset, sessionAsUser } from '../src/datasets/read-dataset.ts';
import { generateSynthetic } from '../src/datasets/synthetic.ts';
import { runPrequential } from '../src/eval/prequential.ts';
import { createModel } from '../src/eval/run-eval.ts';
import { DEFAULT_EVAL_SETTINGS, replaySettings, type EvalModelName } from '../src/eval/settings.ts';
import type { BenchContext, BenchOutcome, Headline, Skipped } from './lib/types.ts';
import { REPO_ROOT } from './lib/engine.ts';
import { ratio, sig } from './lib/stats.ts';

const ML100K = 'ml-100k/u.data';
const DIGINETICA = 'diginetica-sample/sample_train-item-views.csv';
/** Quick mode replays only the first events of each file: it proves the path, not the speed. */
const QUICK_EVENTS = 2000;

interface Dataset {
  name: string;
  /** A file (read as `streamrec eval` reads it) or, for the synthetic stream, its events made here. */
  path?: string | undefined;
  format?: string;
  options?: { sessionAsUser?: boolean };
  generate?: () => ClickEvent[];
}

/**
 * A shop-sized catalogue, where eval switches to HNSW and refits and graph rebuilds dominate:
 * `streamrec simulate --users 50000 --items 50000 --events 300000 --seed 3 --clusters 100`,
 * sessions as users (~43,000 items reach the stream).
 */
function largeCatalogue(): ClickEvent[] {
  const { events } = generateSynthetic({ users: 50_000, items: 50_000, events: 300_000, seed: 3, clusters: 100 });
  return events.map(sessionAsUser);
}

interface SpeedRow {
  dataset: string;
  events: number;
  model: string;
  eventsPerS: number;
  recommendUsPerCase: number;
  learnUsPerEvent: number;
  hitRate: number;
}

/** The shared data folder beside the repo (../shared/data) or at /work/shared/data. */
function sharedData(relPath: string): string | undefined {
  return [join(REPO_ROOT, '..', 'shared', 'data', relPath), join('/work/shared/data', relPath)].find((p) => existsSync(p));
}

/**
 * `streamrec eval`'s replay (src/eval/prequential.ts, test then learn) of the production online
 * model (the index `streamrec eval` picks by default) and item-kNN side by side in one run, in
 * this process: events/s of each model's own time (recommend + learn), and their ratio.
 */
export async function runEvalSpeed(ctx: BenchContext): Promise<BenchOutcome> {
  const datasets: Dataset[] = [
    { name: 'MovieLens 100K', path: ctx.options.ml100k ?? sharedData(ML100K), format: 'movielens', options: {} },
    { name: 'DIGINETICA sample', path: sharedData(DIGINETICA), format: 'diginetica', options: { sessionAsUser: true } },
    { name: 'synthetic, 43k items', generate: largeCatalogue },
  ];
  const models: EvalModelName[] = ['itemknn', 'online'];
  const settings = { ...DEFAULT_EVAL_SETTINGS, k: ctx.config.model.k, models };
  const rows: SpeedRow[] = [];
  const headline: Headline[] = [];
  const skipped: Skipped[] = [];
  for (const d of datasets) {
    let all: readonly ClickEvent[];
    if (d.generate) all = d.generate();
    else if (d.path === undefined || !existsSync(d.path)) {
      skipped.push({ what: `eval speed on ${d.name}`, reason: `file not found (${d.path ?? `../shared/data/${d.format === 'movielens' ? ML100K : DIGINETICA}`})` });
      continue;
    } else all = (await readDataset(d.path, d.format!, d.options)).events;
    const events: readonly ClickEvent[] = ctx.quick ? all.slice(0, QUICK_EVENTS) : all;
    ctx.progress(`eval-speed: ${d.name}, ${events.length} events, ${models.join(' + ')}`);
    const replay = replaySettings(settings, events);
    const result = runPrequential(events, models.map((m) => createModel(m, ctx.config, replay)), {
      k: settings.k,
      weights: ctx.config.model.weights,
      windowCases: Math.max(20, Math.floor(events.length / 50)),
    });
    for (const m of result.models) {
      rows.push({
        dataset: d.name,
        events: events.length,
        model: m.name,
        eventsPerS: sig(m.eventsPerSecond, 3),
        recommendUsPerCase: sig((1000 * m.recommendMs) / Math.max(1, m.cases), 3),
        learnUsPerEvent: sig((1000 * m.learnMs) / Math.max(1, events.length), 3),
        hitRate: sig(m.hitRate, 4),
      });
    }
    const online = result.models.find((m) => m.name === 'online');
    const knn = result.models.find((m) => m.name === 'itemknn');
    if (online && knn) {
      headline.push({ label: `${d.name}: online events/s ÷ item-kNN events/s, same run`, value: ratio(online.eventsPerSecond, knn.eventsPerSecond), unit: `× (${sig(online.eventsPerSecond, 3)} vs ${sig(knn.eventsPerSecond, 3)})` });
    }
  }
  return {
    headline,
    tables: [
      {
        title: 'Prequential replay speed: events/s of each model\'s own time (recommend + learn), side by side in one run',
        columns: ['dataset', 'events', 'model', 'events/s', 'recommend µs per test case', 'learn µs per event', `HR@${settings.k}`],
        rows: rows.map((r) => [r.dataset, r.events, r.model, r.eventsPerS, r.recommendUsPerCase, r.learnUsPerEvent, r.hitRate]),
      },
    ],
    notes: [
      `The replay of \`streamrec eval FILE --format F --models itemknn,online\` (src/eval/prequential.ts) in the bench's process; the online model is src/core/online-model.ts with the index eval picks by default (exact for the two files, under 20,000 items; HNSW for the synthetic stream), refits included in its learn time. ${ctx.quick ? `Quick mode: the first ${QUICK_EVENTS} events of each file only.` : 'Whole files.'}`,
      'Both models share the process and the machine, so their ratio is the figure to compare across runs; events/s alone moves with the machine\'s load.',
    ],
    skipped,
    data: { rows },
  };
}

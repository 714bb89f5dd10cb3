import { basename, join } from 'node:path';
import { availableParallelism, cpus } from 'node:os';
import cliProgress from 'cli-progress';
import { loadConfig } from '../config.ts';
import { formatReadReport, readDataset } from '../datasets/read-dataset.ts';
import { StreamrecError } from '../errors.ts';
import { writeReport } from '../eval/run-eval.ts';
import { evaluateInWorkers } from '../eval/parallel.ts';
import { DEFAULT_EVAL_SETTINGS, parseIndexKind, parseModelList } from '../eval/settings.ts';

/** The command line options, as commander hands them over. */
export interface EvalCliOptions {
  format: string;
  k?: string;
  out?: string;
  models: string;
  limit?: string;
  window?: string;
  skipPrefix?: string;
  refitEvery: string;
  index: string;
  workers?: string;
  quiet?: boolean;
  sessionAsUser?: boolean;
  sessionGap?: string;
}

function fraction(name: string, text: string): number {
  const n = Number(text);
  if (!/^\d*\.?\d+$/.test(text.trim()) || !(n >= 0 && n < 1)) {
    throw new StreamrecError('BAD_ARGUMENT', `${name} must be a fraction from 0 up to (not including) 1, got "${text}"`, { hint: `example: ${name} 0.3` });
  }
  return n;
}

function positiveInt(name: string, text: string | undefined, fallback: number, alternative?: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new StreamrecError('BAD_ARGUMENT', `${name} must be a positive integer${alternative ? ` or ${alternative}` : ''}, got "${text}"`, { hint: `example: ${name} 10` });
  }
  return n;
}

function createBar(label: string, quiet: boolean): cliProgress.SingleBar | undefined {
  if (quiet || !process.stderr.isTTY) return undefined;
  return new cliProgress.SingleBar(
    { format: `${label.padEnd(8)} [{bar}] {percentage}% | ETA {eta_formatted} | {value}/{total}`, stream: process.stderr, etaBuffer: 50, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
}

/**
 * Where stderr is not a terminal (a pipe, a CI log) no bar can redraw: one line per tenth of the
 * replay instead, so a long run shows it is moving and how far it got.
 */
function createProgressLines(label: string, quiet: boolean, total: number): ((done: number) => void) | undefined {
  if (quiet || process.stderr.isTTY || total <= 0) return undefined;
  const started = Date.now();
  let nextTenth = 1;
  return (done) => {
    if (done < (nextTenth * total) / 10) return;
    while (done >= (nextTenth * total) / 10) nextTenth++;
    const pct = Math.min(100, Math.floor((100 * done) / total));
    process.stderr.write(`${label}: ${pct}% (${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} events, ${Math.round((Date.now() - started) / 1000)} s)\n`);
  };
}

/** What `streamrec eval` does (declared in eval.ts). */
export async function evalAction(file: string, opts: EvalCliOptions): Promise<void> {
  const config = loadConfig(process.env);
  const k = positiveInt('--k', opts.k, config.model.k);
  const limit = opts.limit === undefined ? undefined : positiveInt('--limit', opts.limit, 0);
  const windowCases = opts.window === undefined ? undefined : positiveInt('--window', opts.window, 0);
  const skipPrefix = fraction('--skip-prefix', opts.skipPrefix ?? '0');
  const refitEveryEvents: number | 'auto' = opts.refitEvery === undefined || opts.refitEvery === 'auto' ? 'auto' : positiveInt('--refit-every', opts.refitEvery, 0, 'auto');
  const models = parseModelList(opts.models);
  const index = parseIndexKind(opts.index);
  const workers = positiveInt('--workers', opts.workers, Math.min(2, availableParallelism()));
  const outDir = opts.out ?? join('.streamrec', 'eval', basename(file));
  const quiet = opts.quiet === true;
  const sessionGapMs = opts.sessionGap === undefined ? undefined : 60_000 * positiveInt('--session-gap', opts.sessionGap, 0);

  const readBar = createBar('read', quiet);
  const started = Date.now();
  const { events: all, report } = await readDataset(file, opts.format, {
    sessionAsUser: opts.sessionAsUser === true,
    ...(sessionGapMs === undefined ? {} : { sessionGapMs }),
    onProgress: (p) => {
      if (!readBar) return;
      if (readBar.getTotal() !== p.totalBytes) readBar.start(p.totalBytes, 0);
      readBar.update(p.bytesRead);
    },
  });
  readBar?.stop();
  process.stderr.write(`${formatReadReport(report)}\n`);
  if (all.length === 0) {
    throw new StreamrecError('BAD_ARGUMENT', `no events could be read from ${file}`, { hint: `check that --format ${opts.format} matches the file` });
  }
  const events = limit === undefined ? all : all.slice(0, limit);

  const replayBar = createBar('replay', quiet);
  replayBar?.start(events.length, 0);
  const replayLines = createProgressLines('replay', quiet, events.length);
  const settings = { ...DEFAULT_EVAL_SETTINGS, k, models, windowCases, refitEveryEvents, index, skipPrefix };
  const result = await evaluateInWorkers(events, config, settings, workers, (done) => {
    replayBar?.update(done);
    replayLines?.(done);
  });
  replayBar?.stop();

  const written = writeReport(result, outDir, {
    command: `streamrec eval ${process.argv.slice(3).join(' ')}`,
    file,
    format: report.format,
    sessionAsUser: opts.sessionAsUser === true,
    ...(sessionGapMs === undefined ? {} : { sessionGapMinutes: sessionGapMs / 60_000 }),
    read: report,
    workers,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    startedAt: new Date(started).toISOString(),
    totalSeconds: (Date.now() - started) / 1000,
  }, { title: `${basename(file)}: HR@${k} per window of ${result.windowCases} test cases` });
  process.stdout.write(`${written.table}\n\nwrote ${written.jsonPath} and ${written.svgPath}\n`);
}

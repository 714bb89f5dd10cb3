import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { loadConfig, type Config } from '../src/config.ts';
import { formatErrorLine } from '../src/errors.ts';
import { BENCHES } from './bench.ts';
import type { BenchContext, BenchResult } from './lib/types.ts';
import { importIfPresent, REPO_ROOT } from './lib/engine.ts';
import { machineFacts } from './lib/machine.ts';
import { writeMarkdown, writeResult } from './lib/report.ts';

const USAGE = `usage: tsx native-bench/run.ts [bench ...] [--quick] [--ann-1m] [--ml100k PATH] [--pause-damon] [--out DIR]

benches: ${BENCHES.map((b) => b.name).join(', ')} (default: all)
  --quick        small sizes, finishes in under a minute (what the test suite runs)
  --ann-1m       also run ANN on 1,000,000 items (slow on 2 cores)
  --ml100k PATH  MovieLens 100K u.data for the quality and eval-speed benches
                 (eval-speed defaults to ../shared/data/ml-100k/u.data)
  --pause-damon  api: also measure the 1,000/s rows with the kernel's DAMON memory
                 reclaim (kdamond) paused; needs root, turns it back on after
  --soak-seconds S  soak: seconds of load (default 600; --quick: 20)
  --out DIR      where results go (default native-bench/results)`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      'ann-1m': { type: 'boolean', default: false },
      ml100k: { type: 'string' },
      'pause-damon': { type: 'boolean', default: false },
      'soak-seconds': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const unknown = positionals.filter((p) => !BENCHES.some((b) => b.name === p));
  if (unknown.length > 0) {
    process.stderr.write(`native-bench: unknown bench ${unknown.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  const selected = positionals.length === 0 ? BENCHES : BENCHES.filter((b) => positionals.includes(b.name));
  const soakSeconds = values['soak-seconds'] === undefined ? undefined : Number(values['soak-seconds']);
  if (soakSeconds !== undefined && !(Number.isInteger(soakSeconds) && soakSeconds >= 10)) {
    process.stderr.write(`native-bench: --soak-seconds wants a whole number of seconds, at least 10 (got ${values['soak-seconds']})\n`);
    return 2;
  }
  const outDir = values.out ?? join(REPO_ROOT, 'native-bench', 'results');
  const config = await effectiveConfig(loadConfig(process.env));
  const progress = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  const ctx: BenchContext = {
    quick: values.quick,
    config,
    options: { ann1m: values['ann-1m'], ml100k: values.ml100k, pauseDamon: values['pause-damon'], soakSeconds },
    machine: await machineFacts(config.stateDir),
    progress,
  };
  const command = `npm run bench --${argv.length ? ` ${argv.join(' ')}` : ''}`;
  let failed = 0;
  for (const bench of selected) {
    const started = performance.now();
    const loadBefore = loadavg()[0]!;
    progress(`${bench.name}: start (load average ${loadBefore.toFixed(2)})`);
    let result: BenchResult;
    try {
      const outcome = await (await bench.load())(ctx);
      result = { name: bench.name, title: bench.title, quick: ctx.quick, command, machine: ctx.machine, durationS: 0, ...outcome };
    } catch (err) {
      failed++;
      progress(`${bench.name}: FAILED ${formatErrorLine(err)}`);
      if (process.env.STREAMREC_DEBUG) console.error(err);
      result = {
        name: bench.name, title: bench.title, quick: ctx.quick, command, machine: ctx.machine, durationS: 0,
        headline: [], tables: [], notes: [], skipped: [{ what: 'the whole benchmark', reason: `failed: ${formatErrorLine(err)}` }],
      };
    }
    result.durationS = Math.round((performance.now() - started) / 100) / 10;
    result.loadAverage = { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0]!.toFixed(2)) };
    progress(`${bench.name}: done in ${result.durationS} s -> ${writeResult(outDir, result)}`);
  }
  progress(`table -> ${writeMarkdown(outDir)}`);
  return failed === 0 ? 0 : 1;
}

/** With the stack landed, the effective Redis URL (system redis or the project's own). */
async function effectiveConfig(config: Config): Promise<Config> {
  const stack = await importIfPresent('src/stack/index.ts');
  const resolve = stack?.resolveStack as ((c: Config) => Promise<Config>) | undefined;
  return resolve ? resolve(config) : config;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`native-bench: ${formatErrorLine(err)}\n`);
  process.exitCode = 2;
}

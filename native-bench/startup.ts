import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRedis } from '../src/adapters/redis/client.ts';
import { buildState } from '../src/cli/build-state.mjs';
import type { BenchContext, BenchOutcome, Cell, Headline, Skipped } from './lib/types.ts';
import { createClickstream } from './lib/clickstream.ts';
import { benchEnvironment, benchLog, configEnv, dropTopics, publishItems } from './lib/engine-env.ts';
import { profileArgs, REPO_ROOT } from './lib/engine.ts';
import { createLearnerHarness } from './lib/learner-harness.ts';
import { distribution, ratio, sig } from './lib/stats.ts';

interface Command {
  label: string;
  args: string[];
  env?: Record<string, string>;
}

interface Row {
  command: string;
  rounds: number;
  wallMs: { min: number; p50: number; max: number };
  cpuMs: number;
  /** Median over rounds of this run's wall ÷ the `node -e 0` run beside it. */
  wallRatio: number;
  cpuRatio: number;
}

const NODE = { label: 'node -e 0', args: ['-e', '0'] };
const BIN = 'src/cli/bin.mjs';

/** CPU ms of this process's reaped children so far (cutime + cstime of /proc/self/stat, 10 ms ticks). */
function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

function timeOnce(c: Command): { wallMs: number; cpuMs: number } {
  const cpu0 = childrenCpuMs();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...profileArgs(), ...c.args], { cwd: REPO_ROOT, env: { ...process.env, ...c.env }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${c.label} exited ${r.status}: ${r.stderr.toString().trim().split('\n').at(-1) ?? ''}`);
  return { wallMs, cpuMs: childrenCpuMs() - cpu0 };
}

/**
 * `c` and `node -e 0` in turn, A B A B …, after one unmeasured run of each: the ratio is
 * taken pair by pair, so it holds when the shared machine's speed drifts during the run.
 */
function sideBySide(c: Command, rounds: number): { row: Row; base: Row } {
  timeOnce(c);
  timeOnce(NODE);
  const a: Array<{ wallMs: number; cpuMs: number }> = [];
  const b: typeof a = [];
  for (let i = 0; i < rounds; i++) {
    a.push(timeOnce(c));
    b.push(timeOnce(NODE));
  }
  const med = (xs: number[]) => distribution(xs).p50;
  const toRow = (label: string, xs: typeof a, wallRatio: number, cpuRatio: number): Row => {
    const d = distribution(xs.map((x) => x.wallMs));
    return { command: label, rounds, wallMs: { min: sig(d.min), p50: sig(d.p50), max: sig(d.max) }, cpuMs: med(xs.map((x) => x.cpuMs)), wallRatio, cpuRatio };
  };
  const wallRatio = sig(med(a.map((x, i) => x.wallMs / b[i]!.wallMs)));
  const cpuRatio = sig(med(a.map((x, i) => x.cpuMs / Math.max(10, b[i]!.cpuMs))));
  return { row: toRow(c.label, a, wallRatio, cpuRatio), base: toRow(NODE.label, b, 1, 1) };
}

function tableRows(rows: readonly Row[]): Cell[][] {
  return rows.map((r) => [r.command, r.rounds, r.wallMs.p50, r.wallMs.min, r.wallMs.max, r.cpuMs, r.wallRatio, r.cpuRatio]);
}

const COLUMNS = ['command', 'rounds', 'wall ms (median)', 'min', 'max', 'CPU ms (median)', 'wall ÷ node -e 0', 'CPU ÷ node -e 0'];

/**
 * How long the CLI takes to start: `streamrec --help` against `node -e 0` (the floor any
 * Node CLI pays), and `streamrec inspect user ID` on a warm stack, each as a whole process
 * the way a user runs it (the bin, which runs the build in dist/). Full runs add the sources
 * through tsx, what every command paid before the build.
 */
export async function runStartup(ctx: BenchContext): Promise<BenchOutcome> {
  const skipped: Skipped[] = [];
  if (buildState(REPO_ROOT) !== 'fresh') {
    ctx.progress('startup: dist/ is missing or older than src/: npm run build');
    const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (built.status !== 0) throw new Error('npm run build failed');
  }
  const rounds = ctx.quick ? 3 : 20;
  const tsxRounds = ctx.quick ? 0 : 5;

  ctx.progress(`startup: streamrec --help vs node -e 0, ${rounds} rounds`);
  const help = sideBySide({ label: 'streamrec --help', args: [BIN, '--help'] }, rounds);
  const helpRows = [help.base, help.row];
  if (tsxRounds > 0) helpRows.push(sideBySide({ label: 'streamrec --help (sources through tsx)', args: ['--import', 'tsx', 'src/cli/main.ts', '--help'] }, tsxRounds).row);
  else skipped.push({ what: 'the sources through tsx', reason: 'quick mode' });

  const { config, kafka } = await benchEnvironment(ctx.config, 'startup');
  const redis = await createRedis(config, benchLog);
  const items = ctx.quick ? 1000 : 10_000;
  const inspectRows: Row[] = [];
  const userId = 'user-0';
  try {
    ctx.progress(`startup: ${items.toLocaleString('en-US')} item vectors and one user's 20 events (the learner's batch step) for inspect`);
    await publishItems(kafka, config, items);
    const learner = createLearnerHarness(config, redis, items);
    const clicks = createClickstream({ users: 1, items, seed: 7, startTs: Date.now() - 60_000 });
    await learner.runBatch(0, Array.from({ length: 20 }, () => clicks.next(0)));
    const env = { ...configEnv(config), LOG_LEVEL: 'error' };
    ctx.progress(`startup: streamrec inspect user ${userId} vs node -e 0, ${rounds} rounds`);
    const inspect = sideBySide({ label: `streamrec inspect user ${userId}`, args: [BIN, 'inspect', 'user', userId], env }, rounds);
    inspectRows.push(inspect.base, inspect.row);
    if (tsxRounds > 0) {
      inspectRows.push(sideBySide({ label: `streamrec inspect user ${userId} (sources through tsx)`, args: ['--import', 'tsx', 'src/cli/main.ts', 'inspect', 'user', userId], env }, Math.min(tsxRounds, 3)).row);
    }
  } finally {
    const keys = await redis.keys(`${config.redis.keyPrefix}:*`).catch(() => [] as string[]);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500)).catch(() => undefined);
    redis.disconnect();
    await dropTopics(kafka, config);
  }

  const headline: Headline[] = [
    { label: 'streamrec --help ÷ node -e 0, wall (median of pairs; target ≤ 3)', value: help.row.wallRatio, unit: `× (${help.row.wallMs.p50} vs ${help.base.wallMs.p50} ms)` },
    { label: 'streamrec --help ÷ node -e 0, CPU', value: help.row.cpuRatio, unit: `× (${help.row.cpuMs} vs ${help.base.cpuMs} ms)` },
  ];
  const inspectBin = inspectRows[1];
  if (inspectBin) {
    headline.push({ label: `streamrec inspect user on a warm stack, wall (median; target < 1 s)`, value: inspectBin.wallMs.p50, unit: 'ms' });
    headline.push({ label: 'streamrec inspect user ÷ node -e 0, wall (median of pairs)', value: inspectBin.wallRatio, unit: `× (CPU ${inspectBin.cpuRatio}×)` });
  }
  const viaTsx = helpRows[2];
  if (viaTsx) headline.push({ label: 'streamrec --help through tsx ÷ compiled, wall', value: ratio(viaTsx.wallMs.p50, help.row.wallMs.p50), unit: '×' });
  return {
    headline,
    tables: [
      { title: 'streamrec --help, side by side with node -e 0', columns: COLUMNS, rows: tableRows(helpRows) },
      { title: `streamrec inspect user ${userId} on a warm stack (${items.toLocaleString('en-US')} items, one user with 20 events)`, columns: COLUMNS, rows: tableRows(inspectRows) },
    ],
    notes: [
      `Each command is a whole process started by the bench (spawnSync, output discarded), in turn with \`node -e 0\`: one unmeasured run of each, then A B A B …; the ratio is the median of the pairs' ratios. CPU is user + system of the reaped child (this process's cutime + cstime, 10 ms ticks).`,
      '`streamrec` is `node src/cli/bin.mjs`, which runs the build in dist/ (the bench builds it first when dist/ is missing or older than src/); "sources through tsx" is `node --import tsx src/cli/main.ts`, what every command ran before the build.',
      `inspect loads the model in-process (Redis, the index snapshot, the item-neighbours tail; no HTTP stack) and answers with the API's own views. The first, unmeasured run replays the item-embeddings topic and saves the snapshot with the topic state it is current with; the measured runs find the topic unchanged and skip the replay (what "warm" means here). The stack was up, the topics and key prefix are this run's own, the user's state was written by the learner's batch step (native-bench/lib/learner-harness.ts).`,
    ],
    skipped,
    data: { help: helpRows, inspect: inspectRows },
  };
}

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Skipped } from './types.ts';

/**
 * The kernel's DAMON daemons (kdamond), read and paused through their sysfs interface.
 *
 * Why the bench cares: this project's VM image starts one at boot that monitors all of
 * physical memory and pages out regions cold for a minute (the `pageout` scheme, up to 50 ms
 * of CPU per second). Every ~0.5 s it walks page tables and clears accessed bits; under this
 * hypervisor every process touching memory then stalls for 10–45 ms. A side-by-side harness
 * on 2026-11-30 found kdamond running inside 43 of the API's 49 event-loop stalls over 5 ms
 * at 1,000 requests/s; with it paused, the API's p99 went from 15–36 ms to 2.4–3.9 ms and
 * hello-world's from 3.4–4.4 to 0.5–1.1 ms. So every latency row says how much CPU kdamond
 * took during it, and `--pause-damon` measures the same rows with it paused.
 */
export const DAMON_ADMIN = '/sys/kernel/mm/damon/admin';

/** How rows measured with it paused are named (api bench) and found again (charts). */
export const DAMON_PAUSED = 'DAMON reclaim paused';

export interface Kdamond {
  /** Its directory under kdamonds/ (the sysfs index). */
  index: string;
  state: 'on' | 'off';
  /** The kernel thread's pid while it is on. */
  pid: number | undefined;
  /** Each context's monitoring operations (paddr = physical memory, vaddr = a process). */
  operations: string[];
  /** Each scheme's action (pageout, lru_prio, stat, …). */
  actions: string[];
}

/** Every kdamond this kernel has; [] where there is no DAMON sysfs (another kernel, a container). */
export function kdamonds(adminDir = DAMON_ADMIN): Kdamond[] {
  const root = join(adminDir, 'kdamonds');
  if (!existsSync(root)) return [];
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const subdirs = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(a) - Number(b)) : []);
  return subdirs(root).map((index) => {
    const dir = join(root, index);
    const contexts = subdirs(join(dir, 'contexts')).map((c) => join(dir, 'contexts', c));
    const pid = Number(read(join(dir, 'pid')));
    return {
      index,
      state: read(join(dir, 'state')) === 'on' ? 'on' : 'off',
      pid: Number.isInteger(pid) && pid > 0 ? pid : undefined,
      operations: contexts.map((c) => read(join(c, 'operations')) ?? '?'),
      actions: contexts.flatMap((c) => subdirs(join(c, 'schemes')).map((s) => read(join(c, 'schemes', s, 'action')) ?? '?')),
    };
  });
}

/** One line for a result's machine facts: what DAMON was doing during the run. */
export function damonLine(daemons: Kdamond[]): string {
  const on = daemons.filter((d) => d.state === 'on');
  if (on.length === 0) return daemons.length === 0 ? 'no DAMON' : 'DAMON off';
  const what = on.map((d) => `${d.operations.join('+') || 'no context'}${d.actions.length ? `, ${d.actions.join('+')}` : ''}`).join('; ');
  return `DAMON on (${what})`;
}

/**
 * CPU time the running kdamonds have used so far, in ms (from /proc/<pid>/schedstat, which
 * counts nanoseconds rather than 10 ms ticks); 0 when none runs, undefined when one cannot be read.
 */
export function kdamondCpuMs(daemons: Kdamond[] = kdamonds(), procDir = '/proc'): number | undefined {
  let total = 0;
  for (const d of daemons) {
    if (d.state !== 'on' || d.pid === undefined) continue;
    try {
      const ns = Number(readFileSync(join(procDir, String(d.pid), 'schedstat'), 'utf8').split(' ')[0]);
      if (!Number.isFinite(ns)) return undefined;
      total += ns / 1e6;
    } catch {
      return undefined;
    }
  }
  return total;
}

export class DamonPauseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DamonPauseError';
  }
}

/**
 * Turns off every kdamond that is on and returns what turns them on again (the kernel keeps
 * their parameters in sysfs, so 'on' starts each as it was). The restore also runs if the
 * process exits first, or on SIGINT / SIGTERM (which are then re-raised, so Ctrl-C still
 * stops the bench); a SIGKILL is the one way to leave them off, and the restore's error says
 * how to undo that by hand. Needs root.
 */
export function pauseDamon(adminDir = DAMON_ADMIN, write = (path: string, data: string) => writeFileSync(path, data)): () => void {
  const paused = kdamonds(adminDir).filter((d) => d.state === 'on');
  const stateFile = (d: Kdamond) => join(adminDir, 'kdamonds', d.index, 'state');
  const undo = paused.map((d) => `echo on > ${stateFile(d)}`).join('; ');
  const done: Kdamond[] = [];
  let restored = false;
  const onSignal = (signal: NodeJS.Signals) => {
    try {
      restore();
    } finally {
      process.kill(process.pid, signal);
    }
  };
  const restore = () => {
    if (restored) return;
    restored = true;
    process.off('exit', restore);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const failed: string[] = [];
    for (const d of done) {
      try {
        write(stateFile(d), 'on');
      } catch (err) {
        failed.push(`${stateFile(d)}: ${(err as Error).message}`);
      }
    }
    if (failed.length) throw new DamonPauseError(`could not turn DAMON back on (${failed.join('; ')}); run as root: ${undo}`);
  };
  process.on('exit', restore);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  for (const d of paused) {
    try {
      write(stateFile(d), 'off');
      done.push(d);
    } catch (err) {
      restore();
      throw new DamonPauseError(`cannot pause DAMON (${stateFile(d)}: ${(err as Error).message}); --pause-damon needs root`);
    }
  }
  return restore;
}

/**
 * Runs `measure` with every running kdamond paused, then turns them on again (also when
 * `measure` throws, which is then rethrown). What could not be done is reported, never
 * thrown, so a bench keeps the rows it measured before: no kdamond running or no right to
 * pause one (skipped), or one that could not be turned back on (a note saying how to, by hand).
 */
export async function withDamonPaused(
  what: string,
  progress: (message: string) => void,
  measure: () => Promise<void>,
  adminDir = DAMON_ADMIN,
  write?: (path: string, data: string) => void,
): Promise<{ skipped: Skipped[]; notes: string[] }> {
  if (!kdamonds(adminDir).some((d) => d.state === 'on')) return { skipped: [{ what, reason: 'no kdamond was running' }], notes: [] };
  let restore: () => void;
  try {
    restore = pauseDamon(adminDir, write);
  } catch (err) {
    if (!(err instanceof DamonPauseError)) throw err;
    progress(err.message);
    return { skipped: [{ what, reason: err.message }], notes: [] };
  }
  let failed: { err: unknown } | undefined;
  try {
    await measure();
  } catch (err) {
    failed = { err };
  }
  const notes: string[] = [];
  try {
    restore();
    progress('DAMON reclaim on again');
  } catch (err) {
    if (!(err instanceof DamonPauseError)) throw err;
    progress(err.message);
    notes.push(`**DAMON was not turned back on:** ${err.message}`);
  }
  if (failed) throw failed.err;
  return { skipped: [], notes };
}

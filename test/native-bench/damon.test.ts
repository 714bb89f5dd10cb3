import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { damonLine, DamonPauseError, kdamondCpuMs, kdamonds, pauseDamon, withDamonPaused } from '../../native-bench/lib/damon.ts';

// A copy of DAMON's sysfs layout (as this VM image has it) in a temporary directory: the real
// one needs root to change and would change the machine.
const dirs: string[] = [];
function fakeAdmin(daemons: Array<{ state: string; pid?: number; operations?: string; actions?: string[] }>): string {
  const admin = mkdtempSync(join(tmpdir(), 'damon-'));
  dirs.push(admin);
  daemons.forEach((d, i) => {
    const dir = join(admin, 'kdamonds', String(i));
    const context = join(dir, 'contexts', '0');
    mkdirSync(join(context, 'schemes'), { recursive: true });
    writeFileSync(join(dir, 'state'), `${d.state}\n`);
    writeFileSync(join(dir, 'pid'), `${d.pid ?? -1}\n`);
    writeFileSync(join(context, 'operations'), `${d.operations ?? 'paddr'}\n`);
    (d.actions ?? []).forEach((action, j) => {
      mkdirSync(join(context, 'schemes', String(j)));
      writeFileSync(join(context, 'schemes', String(j), 'action'), `${action}\n`);
    });
  });
  return admin;
}
const stateOf = (admin: string, i: number) => readFileSync(join(admin, 'kdamonds', String(i), 'state'), 'utf8').trim();

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('kdamonds', () => {
  it('reads each daemon\'s state, pid, operations and scheme actions', () => {
    const admin = fakeAdmin([{ state: 'on', pid: 77, actions: ['pageout'] }, { state: 'off', operations: 'vaddr', actions: ['stat', 'lru_prio'] }]);
    expect(kdamonds(admin)).toEqual([
      { index: '0', state: 'on', pid: 77, operations: ['paddr'], actions: ['pageout'] },
      { index: '1', state: 'off', pid: undefined, operations: ['vaddr'], actions: ['stat', 'lru_prio'] },
    ]);
    expect(damonLine(kdamonds(admin))).toBe('DAMON on (paddr, pageout)');
  });

  it('is empty without DAMON, and the line says so', () => {
    expect(kdamonds(join(tmpdir(), 'no-such-damon-dir'))).toEqual([]);
    expect(damonLine([])).toBe('no DAMON');
    expect(damonLine(kdamonds(fakeAdmin([{ state: 'off' }])))).toBe('DAMON off');
  });
});

describe('kdamondCpuMs', () => {
  it('sums the running daemons\' run time from schedstat (nanoseconds)', () => {
    const proc = mkdtempSync(join(tmpdir(), 'proc-'));
    dirs.push(proc);
    mkdirSync(join(proc, '77'));
    writeFileSync(join(proc, '77', 'schedstat'), '2500000 100 7\n');
    const admin = fakeAdmin([{ state: 'on', pid: 77 }, { state: 'off', pid: 78 }]);
    expect(kdamondCpuMs(kdamonds(admin), proc)).toBe(2.5);
    expect(kdamondCpuMs([], proc)).toBe(0);
    // A daemon whose thread cannot be read makes the figure unknown, not smaller.
    expect(kdamondCpuMs(kdamonds(fakeAdmin([{ state: 'on', pid: 79 }])), proc)).toBeUndefined();
  });

  it('reads a real thread\'s schedstat on this kernel', () => {
    const self = kdamondCpuMs([{ index: '0', state: 'on', pid: process.pid, operations: [], actions: [] }]);
    expect(self).toBeGreaterThan(0);
  });
});

describe('pauseDamon', () => {
  it('turns off the daemons that were on, and turns back on only those', () => {
    const admin = fakeAdmin([{ state: 'on', pid: 77 }, { state: 'off' }]);
    const restore = pauseDamon(admin);
    expect([stateOf(admin, 0), stateOf(admin, 1)]).toEqual(['off', 'off']);
    restore();
    expect([stateOf(admin, 0), stateOf(admin, 1)]).toEqual(['on', 'off']);
    restore(); // twice is harmless
    expect(stateOf(admin, 0)).toBe('on');
  });

  it('turns them back on when the process is stopped by SIGINT or SIGTERM, and still stops', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const admin = fakeAdmin([{ state: 'on', pid: 77 }]);
      const script = `import { pauseDamon } from ${JSON.stringify(join(process.cwd(), 'native-bench/lib/damon.ts'))};
        pauseDamon(${JSON.stringify(admin)}); console.log('paused'); setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      expect(stateOf(admin, 0)).toBe('off');
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
      child.kill(signal);
      expect(await exited).toBe(signal);
      expect(stateOf(admin, 0)).toBe('on');
    }
  }, 30_000);

  it('says what to run by hand when it cannot turn them back on', () => {
    const admin = fakeAdmin([{ state: 'on', pid: 77 }]);
    const restore = pauseDamon(admin);
    rmSync(join(admin, 'kdamonds'), { recursive: true });
    expect(restore).toThrow(DamonPauseError);
    expect(() => pauseDamon(admin)).not.toThrow(); // nothing left to pause
  });

  it('explains a daemon it cannot pause, and leaves the others as they were', () => {
    const admin = fakeAdmin([{ state: 'on', pid: 77 }, { state: 'on', pid: 78 }]);
    // Writing daemon 1's state fails as sysfs does for a user who is not root.
    const write = (path: string, data: string) => {
      if (path.includes(join('kdamonds', '1'))) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
      writeFileSync(path, data);
    };
    expect(() => pauseDamon(admin, write)).toThrow(/cannot pause DAMON .*EACCES.*needs root/);
    expect([stateOf(admin, 0), stateOf(admin, 1)]).toEqual(['on', 'on']);
  });
});

describe('withDamonPaused', () => {
  const eacces = (daemon: string) => (path: string, data: string) => {
    if (path.includes(join('kdamonds', daemon))) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
    writeFileSync(path, data);
  };

  it('measures with the daemons off and turns them on again', async () => {
    const admin = fakeAdmin([{ state: 'on', pid: 77 }]);
    const seen: string[] = [];
    const out = await withDamonPaused('rows', () => undefined, async () => {
      seen.push(stateOf(admin, 0));
    }, admin);
    expect(seen).toEqual(['off']);
    expect(stateOf(admin, 0)).toBe('on');
    expect(out).toEqual({ skipped: [], notes: [] });
  });

  it('reports instead of failing when there is nothing to pause or no right to, and does not measure', async () => {
    let measured = 0;
    const measure = async () => {
      measured++;
    };
    expect((await withDamonPaused('rows', () => undefined, measure, fakeAdmin([{ state: 'off' }]))).skipped).toEqual([{ what: 'rows', reason: 'no kdamond was running' }]);
    const admin = fakeAdmin([{ state: 'on', pid: 77 }]);
    const denied = await withDamonPaused('rows', () => undefined, measure, admin, eacces('0'));
    expect(denied.skipped[0]!.reason).toMatch(/cannot pause DAMON .*EACCES.*needs root/);
    expect(measured).toBe(0);
    expect(stateOf(admin, 0)).toBe('on');
  });

  it('turns them on again when the measurement throws, and rethrows', async () => {
    const admin = fakeAdmin([{ state: 'on', pid: 77 }]);
    await expect(withDamonPaused('rows', () => undefined, async () => {
      throw new Error('server died');
    }, admin)).rejects.toThrow('server died');
    expect(stateOf(admin, 0)).toBe('on');
  });

  it('keeps the rows and says how to turn them on by hand when that fails', async () => {
    const admin = fakeAdmin([{ state: 'on', pid: 77 }]);
    const progress: string[] = [];
    const out = await withDamonPaused('rows', (m) => progress.push(m), async () => {
      // Sysfs refusing the write back (as if the daemon's directory went away).
      rmSync(join(admin, 'kdamonds'), { recursive: true });
    }, admin);
    expect(out.skipped).toEqual([]);
    expect(out.notes[0]).toMatch(/DAMON was not turned back on.*echo on > .*kdamonds\/0\/state/);
    expect(progress.at(-1)).toMatch(/could not turn DAMON back on/);
  });
});

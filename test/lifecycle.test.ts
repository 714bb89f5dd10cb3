import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { retryWithin } from '../src/lifecycle.ts';

/** A child that finished its shutdown, then calls exitIfStillAlive; `leak` leaves an interval running. */
async function child(leak: boolean): Promise<{ code: number | null; ms: number; stdout: string }> {
  const script = `import { exitIfStillAlive } from ${JSON.stringify(join(process.cwd(), 'src/lifecycle.ts'))};
    import { createLogger } from ${JSON.stringify(join(process.cwd(), 'src/log.ts'))};
    ${leak ? 'setInterval(() => {}, 1000);' : ''}
    process.exitCode = 3;
    exitIfStillAlive(createLogger('test', 'warn'), 300);`;
  const started = Date.now();
  const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  c.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => c.once('exit', (exitCode) => resolve(exitCode)));
  return { code, ms: Date.now() - started, stdout };
}

describe('exitIfStillAlive', () => {
  it('exits a process a leftover handle keeps alive, with the exit code already set, and says what was left', async () => {
    const r = await child(true);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('still running after shutdown');
    expect(r.stdout).toContain('Timeout');
  }, 30_000);

  it('does not hold up a process that exits by itself', async () => {
    const r = await child(false);
    expect(r.code).toBe(3);
    expect(r.stdout).not.toContain('still running after shutdown');
  }, 30_000);
});

describe('retryWithin', () => {
  const failing = (errors: Error[], value = 'ok') => {
    let calls = 0;
    const attempt = async () => {
      const err = errors[calls++];
      if (err) throw err;
      return value;
    };
    return { attempt, calls: () => calls };
  };
  const transient = (err: unknown) => (err as Error).message === 'transient';

  it('tries again while the error is one it may wait out, and answers with the first success', async () => {
    const f = failing([new Error('transient'), new Error('transient')]);
    expect(await retryWithin(f.attempt, { waitMs: 1000, stepMs: 5, retryable: transient })).toBe('ok');
    expect(f.calls()).toBe(3);
  });

  it('throws any other error at once, and the last one past its bound', async () => {
    const other = failing([new Error('fatal')]);
    await expect(retryWithin(other.attempt, { waitMs: 1000, stepMs: 5, retryable: transient })).rejects.toThrow('fatal');
    expect(other.calls()).toBe(1);
    const forever = failing(Array.from({ length: 1000 }, () => new Error('transient')));
    const started = Date.now();
    await expect(retryWithin(forever.attempt, { waitMs: 100, stepMs: 20, retryable: transient })).rejects.toThrow('transient');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(forever.calls()).toBeGreaterThan(1);
    expect(forever.calls()).toBeLessThanOrEqual(6);
  });
});

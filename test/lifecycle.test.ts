import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

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

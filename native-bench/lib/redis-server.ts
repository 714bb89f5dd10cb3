import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { sleep } from '../../src/lifecycle.ts';

const run = promisify(execFile);

export interface ScratchRedis {
  port: number;
  url: string;
  cli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A private redis-server for measuring: INFO memory deltas are only meaningful when no
 * other test or worktree writes to the same server. No persistence, loopback only.
 */
export async function startScratchRedis(): Promise<ScratchRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Never leave it behind, even when the benchmark dies.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const cli = async (...args: string[]) => (await run('redis-cli', ['-p', String(port), ...args], { timeout: 10_000 })).stdout;
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      if ((await cli('PING')).trim() === 'PONG') break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not answer PING within 5 s`);
    }
    await sleep(50);
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    cli,
    async stop() {
      process.off('exit', killOnExit);
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** One field of INFO output, as a number. */
export function infoField(info: string, field: string): number {
  const m = new RegExp(`^${field}:(\\S+)`, 'm').exec(info);
  return m ? Number(m[1]) : Number.NaN;
}

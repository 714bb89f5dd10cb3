import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileArgs, REPO_ROOT } from './engine.ts';

/**
 * Runs a TypeScript file in a fresh Node process (through tsx) and returns the JSON it
 * wrote to the file named by BENCH_OUT. A fresh process per measurement keeps memory
 * deltas honest: freed native memory of one index would otherwise be reused by the next.
 */
export async function runChild<T>(script: string, input: unknown, timeoutMs: number, onLine?: (line: string) => void): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'streamrec-bench-'));
  const out = join(dir, 'out.json');
  try {
    const child = spawn(process.execPath, [...profileArgs(), '--import', 'tsx', script], {
      cwd: REPO_ROOT,
      env: { ...process.env, BENCH_IN: JSON.stringify(input), BENCH_OUT: out },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.stdout.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line.trim()) onLine?.(line.trim());
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${script} did not finish within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (code !== 0) throw new Error(`${script} exited with ${code}: ${firstErrorLine(stderr)}`);
    return JSON.parse(readFileSync(out, 'utf8')) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The thrown error's own line from a Node stack dump, else the last line. */
function firstErrorLine(stderr: string): string {
  const lines = stderr.trim().split('\n').map((l) => l.trim());
  return lines.find((l) => /^[A-Za-z]*Error\b/.test(l)) ?? lines.at(-1) ?? '(no output)';
}

/** The child side: its input, and how it hands back its result. */
export function childInput<T>(): T {
  const raw = process.env.BENCH_IN;
  if (!raw) throw new Error('BENCH_IN is not set: this file is started by the benchmark harness');
  return JSON.parse(raw) as T;
}

export async function childOutput(value: unknown): Promise<void> {
  const { writeFileSync } = await import('node:fs');
  const out = process.env.BENCH_OUT;
  if (!out) throw new Error('BENCH_OUT is not set');
  writeFileSync(out, JSON.stringify(value));
}

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { KAFKA_VERSION } from '../../src/stack/paths.ts';
import { freePort } from '../helpers/free-port.ts';

export { freePort };

/**
 * A private STREAMREC_HOME with free ports, so these tests start and stop their own broker
 * and Redis without touching the shared stack other tests use. The jar cache is linked from
 * the shared state dir when it has one (saves a Maven run).
 */
export async function isolatedStackEnv(): Promise<Record<string, string>> {
  const home = mkdtempSync(join(tmpdir(), 'streamrec-stack-'));
  const shared = loadConfig(process.env).stateDir;
  const jars = join(shared, `kafka-${KAFKA_VERSION}`);
  if (existsSync(join(jars, 'libs'))) symlinkSync(jars, join(home, `kafka-${KAFKA_VERSION}`));
  return {
    STREAMREC_HOME: home,
    STREAMREC_KAFKA_PORT: String(await freePort()),
    STREAMREC_KAFKA_CONTROLLER_PORT: String(await freePort()),
    STREAMREC_REDIS_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `streamrec ...` in a child process with exactly `env` (plus HOME); killed after timeoutMs. */
export function runCli(args: readonly string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { HOME: process.env.HOME ?? '/root', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    // a signal (the timeout's SIGTERM) reports status null: the command hung
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

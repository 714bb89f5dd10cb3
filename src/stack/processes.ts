import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { sleep } from '../lifecycle.ts';

/** A pid file's process, if it is alive and its command line still contains `marker`. */
export function readLivePid(pidFile: string, marker: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return isAliveAs(pid, marker) ? pid : undefined;
}

/**
 * Alive and still the process we started: the pid may have been reused by the OS after a
 * reboot, so the command line must name it (we never signal a stranger's process).
 */
export function isAliveAs(pid: number, marker: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline === '') return false; // zombie: exited, not yet reaped
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return false;
    return cmdline.includes(marker);
  } catch {
    // no /proc (not Linux): trust kill(0)
    return true;
  }
}

/** True when something accepts TCP connections on host:port within timeoutMs. */
export function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Starts a long-running server in its own session, detached from this process, output
 * appended to logFile, and records its pid. The caller (a CLI) may exit right after.
 */
export function spawnDetached(command: string, args: readonly string[], logFile: string, pidFile: string, cwd: string): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, [...args], { cwd, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.unref();
    writeFileSync(pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** SIGTERM, wait up to graceMs, then SIGKILL; true when it had to be killed. */
export async function stopProcess(pid: number, marker: string, graceMs: number): Promise<boolean> {
  if (!isAliveAs(pid, marker)) return false;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAliveAs(pid, marker)) return false;
    await sleep(200);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return false;
  }
  const killDeadline = Date.now() + 5000;
  while (Date.now() < killDeadline && isAliveAs(pid, marker)) await sleep(100);
  return true;
}

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}

/** The last `lines` lines of a log file, for error messages; empty when unreadable. */
export function tailFile(path: string, lines: number): string[] {
  try {
    const text = readFileSync(path, 'utf8');
    return text.split('\n').filter((l) => l.trim() !== '').slice(-lines);
  } catch {
    return [];
  }
}

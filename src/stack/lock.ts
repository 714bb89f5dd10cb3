import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { StreamrecError } from '../errors.ts';
import { sleep } from '../lifecycle.ts';

/**
 * Serialises `stack up/down` across processes (several worktrees and vitest forks share
 * one state dir). An exclusive-create lock file holding the owner's pid; a lock whose
 * owner died is taken over. Waits at most timeoutMs.
 */
export async function withStackLock<T>(lockFile: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (tryAcquire(lockFile)) break;
    if (Date.now() > deadline) {
      throw new StreamrecError('TIMEOUT', `another "streamrec stack" command holds ${lockFile} for more than ${timeoutMs} ms`, {
        hint: `wait for it to finish, or delete ${lockFile} if no streamrec command is running`,
      });
    }
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

function tryAcquire(lockFile: string): boolean {
  try {
    const fd = openSync(lockFile, 'wx');
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (ownerIsDead(lockFile)) rmSync(lockFile, { force: true });
  return false;
}

function ownerIsDead(lockFile: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lockFile, 'utf8').trim());
  } catch {
    return false; // removed meanwhile; the next attempt will tell
  }
  // An empty file is a lock being written right now, not a dead owner.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What `stack up` decided, so later processes (resolveStack) agree without re-probing. */
export interface StackState {
  readonly redisUrl: string;
  /** True when the Redis at redisUrl is a redis-server this project started. */
  readonly redisManaged: boolean;
  readonly brokers: readonly string[];
  readonly updatedAt: string;
}

export function readStackState(stateFile: string): StackState | undefined {
  try {
    const parsed = JSON.parse(readFileSync(stateFile, 'utf8')) as Partial<StackState>;
    if (typeof parsed.redisUrl !== 'string' || typeof parsed.redisManaged !== 'boolean' || !Array.isArray(parsed.brokers)) return undefined;
    return parsed as StackState;
  } catch {
    return undefined;
  }
}

export function writeStackState(stateFile: string, state: StackState): void {
  mkdirSync(dirname(stateFile), { recursive: true });
  // write-then-rename: readers never see half a file
  const tmp = `${stateFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, stateFile);
}

export function removeStackState(stateFile: string): void {
  rmSync(stateFile, { force: true });
}

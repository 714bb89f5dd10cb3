import { mkdirSync, readFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import { StreamrecError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { sleep } from '../lifecycle.ts';
import { pingRedis } from '../adapters/redis/client.ts';
import { requireRedisServer, type ToolEnv } from './deps.ts';
import type { StackPaths } from './paths.ts';
import { isAliveAs, portAnswers, readLivePid, removeFile, spawnDetached, tailFile } from './processes.ts';

export const REDIS_MARKER = 'redis-server';

export function localRedisUrl(config: Config): string {
  return `redis://127.0.0.1:${config.redis.localPort}`;
}

/** Our redis-server's pid if it runs (a system Redis is never ours). */
export function localRedisPid(paths: StackPaths): number | undefined {
  return readLivePid(paths.redisPidFile, REDIS_MARKER);
}

/**
 * Starts redis-server on config.redis.localPort with AOF on (appendonly yes, fsync every
 * second) so state survives a restart, unless ours already runs. Returns its URL.
 */
export async function startLocalRedis(
  config: Config,
  paths: StackPaths,
  env: ToolEnv,
  log: Logger,
  timeoutMs: number,
): Promise<{ url: string; pid: number; started: boolean }> {
  const url = localRedisUrl(config);
  const running = localRedisPid(paths);
  if (running !== undefined) {
    const runningPort = portOf(running);
    if (runningPort !== undefined && runningPort !== config.redis.localPort) {
      throw new StreamrecError('CONFLICT', `the redis-server of ${paths.stateDir} already runs on port ${runningPort}, not ${config.redis.localPort}`, {
        hint: 'run "streamrec stack down" first to move it, or use another STREAMREC_HOME',
      });
    }
    await waitRedisHealthy(url, paths, running, timeoutMs);
    return { url, pid: running, started: false };
  }
  removeFile(paths.redisPidFile);
  if (await portAnswers(config.redis.localPort)) {
    throw new StreamrecError('PORT_IN_USE', `port ${config.redis.localPort} (local Redis) is used by another program`, {
      hint: 'stop that program, set STREAMREC_REDIS_PORT to a free port, or set REDIS_URL to a running Redis',
    });
  }
  const bin = requireRedisServer(env, config.redis.url);
  mkdirSync(paths.redisDataDir, { recursive: true });
  const pid = spawnDetached(
    bin,
    [
      '--port', String(config.redis.localPort),
      '--bind', '127.0.0.1',
      '--dir', paths.redisDataDir,
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--save', '',
      '--daemonize', 'no',
      '--logfile', paths.redisLog,
    ],
    paths.redisLog,
    paths.redisPidFile,
    paths.redisDir,
  );
  log.info({ pid, port: config.redis.localPort }, 'redis-server starting');
  await waitRedisHealthy(url, paths, pid, timeoutMs);
  return { url, pid, started: true };
}

/** The --port argument our redis-server was started with (its command line). */
function portOf(pid: number): number | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const i = args.indexOf('--port');
    return i >= 0 ? Number(args[i + 1]) : undefined;
  } catch {
    return undefined;
  }
}

async function waitRedisHealthy(url: string, paths: StackPaths, pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isAliveAs(pid, REDIS_MARKER)) throw redisFailed(paths, 'redis-server exited during start', 'REDIS_UNAVAILABLE');
    if (await pingRedis(url, 500)) return;
    if (Date.now() > deadline) throw redisFailed(paths, `redis-server did not answer within ${timeoutMs} ms`, 'TIMEOUT');
    await sleep(200);
  }
}

function redisFailed(paths: StackPaths, what: string, code: 'REDIS_UNAVAILABLE' | 'TIMEOUT'): StreamrecError {
  const tail = tailFile(paths.redisLog, 3).map((l) => l.slice(0, 300));
  return new StreamrecError(code, `${what} (log: ${paths.redisLog})${tail.length ? `; last log lines: ${tail.join(' | ')}` : ''}`, {
    hint: 'read the log; "streamrec stack down" then "up" retries',
  });
}

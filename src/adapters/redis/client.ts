import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';
import type { Config } from '../../config.ts';
import { StreamrecError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { withTimeout } from '../../lifecycle.ts';

// ioredis is CommonJS: required rather than imported, because Node's ESM import of it first
// lexes every module its index re-exports to find named exports (~60 ms of each command's
// start on the project's VM, measured side by side with require).
const { Redis } = createRequire(import.meta.url)('ioredis') as typeof IORedis;
type Redis = IORedis.Redis;

/**
 * Connects to config.redis.url (after resolveStack, the effective one) and proves it with a
 * PING, or throws REDIS_UNAVAILABLE with a hint; never waits longer than connectTimeoutMs.
 *
 * Behaviour once connected:
 * - every command fails after commandTimeoutMs (ioredis commandTimeout);
 * - while disconnected, commands queue (enableOfflineQueue) and are retried across at most
 *   2 reconnects (maxRetriesPerRequest) before failing; with the backoff below that is a few
 *   seconds, so a Redis outage shows up as retryable errors, never a hang. The Kafka
 *   handler pauses and retries on them.
 */
export async function createRedis(config: Config, log: Logger, connectTimeoutMs = 3000): Promise<Redis> {
  const url = config.redis.url;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    commandTimeout: config.redis.commandTimeoutMs,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000),
  });
  let lastError: unknown;
  let warned = false;
  redis.on('error', (err: Error) => {
    lastError = err;
    // ioredis emits an error per failed reconnect; one warning per outage is enough.
    if (!warned) log.warn({ err: err.message, url: redactUrl(url) }, 'redis connection error');
    warned = true;
  });
  redis.on('ready', () => {
    warned = false;
  });
  try {
    await withTimeout(
      redis.connect().then(() => redis.ping()),
      connectTimeoutMs,
      () => new Error(`no answer within ${connectTimeoutMs} ms`),
    );
    return redis;
  } catch (err) {
    redis.disconnect();
    throw redisUnavailable(url, lastError ?? err);
  }
}

/** True when a Redis at `url` answers PING within timeoutMs; never throws. */
export async function pingRedis(url: string, timeoutMs: number): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    const answer = await withTimeout(
      redis.connect().then(() => redis.ping()),
      timeoutMs,
      () => new Error('timeout'),
    );
    return answer === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export function redisUnavailable(url: string, cause: unknown): StreamrecError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new StreamrecError('REDIS_UNAVAILABLE', `Redis at ${redactUrl(url)} does not answer (${why})`, {
    hint: 'start the local stack (npx streamrec stack up) or set REDIS_URL to a running Redis',
    cause,
  });
}

/** The URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*):([^@/]*)@/, '//$1:***@');
}

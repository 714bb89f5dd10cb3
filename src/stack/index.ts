import { mkdirSync } from 'node:fs';
import type { Config } from '../config.ts';
import { StreamrecError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import { ensureTopics } from '../adapters/kafka/topics.ts';
import { pingRedis, redactUrl } from '../adapters/redis/client.ts';
import type { ToolEnv } from './deps.ts';
import { brokerStatus, KAFKA_MARKER, startBroker } from './kafka-broker.ts';
import { withStackLock } from './lock.ts';
import { stackPaths, type StackPaths } from './paths.ts';
import { portAnswers, readLivePid, removeFile, stopProcess } from './processes.ts';
import { localRedisPid, localRedisUrl, REDIS_MARKER, startLocalRedis } from './redis-server.ts';
import { readStackState, removeStackState, writeStackState } from './state.ts';

export { stackPaths, type StackPaths } from './paths.ts';

export interface StackOptions {
  /** Where to look for java, mvn, redis-server (PATH, JAVA_HOME). Defaults to this process's environment. */
  readonly env?: ToolEnv;
  /** Bound on waiting for the broker (and Redis) to become healthy. */
  readonly timeoutMs?: number;
  /** Create the configured topics once the broker answers (default true). */
  readonly ensureTopics?: boolean;
  /** Suppress progress lines on stderr. */
  readonly quiet?: boolean;
}

export interface StackInfo {
  readonly kafka: { readonly brokers: readonly string[]; readonly managed: boolean; readonly pid?: number; readonly started: boolean };
  readonly redis: { readonly url: string; readonly managed: boolean; readonly pid?: number; readonly started: boolean };
  readonly config: Config;
}

const DEFAULT_TIMEOUT_MS = 90_000;
const LOCK_TIMEOUT_MS = 180_000;

/**
 * Brings up what the config needs and is not there yet: our Kafka broker (unless
 * KAFKA_BROKERS names an external one) and Redis (REDIS_URL if it answers, else our own
 * redis-server). Idempotent: running processes (pid alive and port answering) are reused.
 * Returns the effective config, the same one resolveStack gives later.
 */
export async function stackUp(config: Config, log: Logger, options: StackOptions = {}): Promise<StackInfo> {
  const paths = stackPaths(config);
  const env = options.env ?? process.env; // tool lookup only (PATH, JAVA_HOME), like spawn itself
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  mkdirSync(paths.stateDir, { recursive: true });
  const info = await withStackLock(paths.lockFile, LOCK_TIMEOUT_MS, async () => {
    mkdirSync(paths.kafkaDir, { recursive: true });
    mkdirSync(paths.redisDir, { recursive: true });
    // Redis first: its checks take milliseconds, so a bad REDIS_URL fails before a broker start.
    const redis = await upRedis(config, paths, env, log, timeoutMs);
    const kafka = config.kafka.external
      ? await checkExternalKafka(config, log)
      : { ...(await startBroker(config, paths, env, log, timeoutMs, options.quiet ?? false)), managed: true };
    writeStackState(paths.stateFile, {
      redisUrl: redis.url,
      redisManaged: redis.managed,
      brokers: config.kafka.brokers,
      updatedAt: new Date().toISOString(),
    });
    return { kafka: { brokers: config.kafka.brokers, ...kafka }, redis, config: withRedisUrl(config, redis.url) };
  });
  if (options.ensureTopics ?? true) {
    const kafka = createKafka(info.config, log);
    await ensureTopics(kafka, info.config, undefined, log);
  }
  return info;
}

async function checkExternalKafka(config: Config, log: Logger): Promise<{ managed: false; started: false }> {
  const admin = createKafka(config, log, { retries: 1, silent: true }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return { managed: false, started: false };
  } catch (err) {
    throw new StreamrecError('KAFKA_UNAVAILABLE', `KAFKA_BROKERS=${config.kafka.brokers.join(',')} does not answer`, {
      hint: 'start that broker, fix KAFKA_BROKERS, or unset it to let streamrec run a local one',
      cause: err,
    });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function upRedis(
  config: Config,
  paths: StackPaths,
  env: ToolEnv,
  log: Logger,
  timeoutMs: number,
): Promise<{ url: string; managed: boolean; started: boolean; pid?: number }> {
  const url = config.redis.url;
  if (config.redis.explicit) {
    if (await pingRedis(url, 2000)) return { url, managed: false, started: false };
    throw new StreamrecError('REDIS_UNAVAILABLE', `REDIS_URL=${redactUrl(url)} does not answer PING`, {
      hint: 'start that Redis or fix REDIS_URL; unset it to let streamrec use or start a local one',
    });
  }
  // Ours first: once started it stays the effective Redis until "stack down", so every
  // process agrees on one Redis even if the default one comes back meanwhile.
  if (localRedisPid(paths) === undefined && (await pingRedis(url, 1000))) return { url, managed: false, started: false };
  return { ...(await startLocalRedis(config, paths, env, log, Math.min(timeoutMs, 30_000))), managed: true };
}

export interface StackDownResult {
  readonly kafkaPid: number | undefined;
  readonly redisPid: number | undefined;
  /** True when a process ignored SIGTERM for the whole grace period and was killed. */
  readonly killed: boolean;
}

/** Stops what this project started (never a Redis or broker it did not start). Fine when nothing runs. */
export async function stackDown(config: Config, log: Logger): Promise<StackDownResult> {
  const paths = stackPaths(config);
  mkdirSync(paths.stateDir, { recursive: true });
  return withStackLock(paths.lockFile, LOCK_TIMEOUT_MS, async () => {
    const kafkaPid = readLivePid(paths.kafkaPidFile, KAFKA_MARKER);
    const redisPid = readLivePid(paths.redisPidFile, REDIS_MARKER);
    let killed = false;
    // Broker first: a clean shutdown flushes its logs; 30 s covers a controlled shutdown.
    if (kafkaPid !== undefined) killed = (await stopProcess(kafkaPid, KAFKA_MARKER, 30_000)) || killed;
    if (redisPid !== undefined) killed = (await stopProcess(redisPid, REDIS_MARKER, 10_000)) || killed;
    removeFile(paths.kafkaPidFile);
    removeFile(paths.redisPidFile);
    removeStackState(paths.stateFile);
    if (killed) log.warn('a stack process did not stop on SIGTERM and was killed');
    return { kafkaPid, redisPid, killed };
  });
}

export interface StackStatus {
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly managed: boolean;
    readonly pid: number | undefined;
    readonly answers: boolean;
    readonly logFile: string;
  };
  readonly redis: {
    readonly url: string;
    readonly managed: boolean;
    readonly pid: number | undefined;
    readonly answers: boolean;
    readonly logFile: string;
  };
  readonly stateDir: string;
}

/** What runs where; starts nothing. */
export async function stackStatus(config: Config): Promise<StackStatus> {
  const paths = stackPaths(config);
  const effective = await resolveStack(config);
  const broker = config.kafka.external ? { pid: undefined, answers: await anyBrokerAnswers(config) } : await brokerStatus(config, paths);
  const redisPid = config.redis.explicit ? undefined : localRedisPid(paths);
  return {
    kafka: { brokers: config.kafka.brokers, managed: !config.kafka.external, ...broker, logFile: paths.kafkaServerLog },
    redis: {
      url: effective.redis.url,
      managed: redisPid !== undefined,
      pid: redisPid,
      answers: await pingRedis(effective.redis.url, 1000),
      logFile: paths.redisLog,
    },
    stateDir: paths.stateDir,
  };
}

async function anyBrokerAnswers(config: Config): Promise<boolean> {
  for (const b of config.kafka.brokers) {
    const [host, port] = b.split(':');
    if (host !== undefined && (await portAnswers(Number(port), host))) return true;
  }
  return false;
}

/**
 * The config every entry point should use: Redis URL replaced by our local redis-server's
 * when `stack up` started one (and it still runs). Starts nothing, probes nothing remote.
 */
export async function resolveStack(config: Config): Promise<Config> {
  if (config.redis.explicit) return config;
  const paths = stackPaths(config);
  const state = readStackState(paths.stateFile);
  if (state?.redisManaged && localRedisPid(paths) !== undefined) return withRedisUrl(config, localRedisUrl(config));
  return config;
}

function withRedisUrl(config: Config, url: string): Config {
  if (config.redis.url === url) return config;
  // children other than redis are already frozen (loadConfig deep-freezes)
  return Object.freeze({ ...config, redis: Object.freeze({ ...config.redis, url }) });
}

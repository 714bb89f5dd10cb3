import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { resolveStack, stackDown, stackStatus, stackUp } from '../../src/stack/index.ts';
import { isolatedStackEnv } from '../stack/stack-helpers.ts';

export interface PrivateBroker {
  readonly config: Config;
  /** Silent: kafkajs logs every refused connection of an outage; the assertions say what matters. */
  readonly log: Logger;
  /** Starts the broker, or starts it again after kill() (same data dir: topics and offsets survive). */
  up(): Promise<void>;
  /** SIGKILLs the broker: a crash, not a clean stop. */
  kill(): Promise<void>;
}

/**
 * A Kafka broker of the calling test file's own (own state dir and ports), so it can be
 * killed and restarted without touching the broker every other test shares. Redis is the
 * shared one, under a random key prefix. Everything is removed after the file's tests.
 */
export async function privateBroker(name: string, extraEnv: Record<string, string>): Promise<PrivateBroker> {
  const sharedRedisUrl = (await resolveStack(loadConfig(process.env))).redis.url;
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.KAFKA_BROKERS; // the isolated port names the broker
  const config = loadConfig({
    ...base,
    ...(await isolatedStackEnv()),
    REDIS_URL: sharedRedisUrl,
    REDIS_KEY_PREFIX: `test-${name}-${randomBytes(3).toString('hex')}`,
    ...extraEnv,
  });
  // TEST_BROKER_LOG=warn shows what the engine logged through the broker's death and restart.
  const log = createLogger('test', (process.env.TEST_BROKER_LOG as 'silent' | undefined) ?? 'silent');
  afterAll(async () => {
    await stackDown(config, log).catch(() => undefined);
    rmSync(config.stateDir, { recursive: true, force: true });
    const redis = new Redis(sharedRedisUrl);
    const keys = await redis.keys(`${config.redis.keyPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }, 60_000);
  return {
    config,
    log,
    async up() {
      await stackUp(config, log, { ensureTopics: true, quiet: true });
    },
    async kill() {
      const pid = (await stackStatus(config)).kafka.pid;
      if (pid === undefined) throw new Error('the private broker is not running');
      process.kill(pid, 'SIGKILL');
      const deadline = Date.now() + 15_000;
      while ((await stackStatus(config)).kafka.answers) {
        if (Date.now() > deadline) throw new Error('the private broker still answers 15 s after SIGKILL');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

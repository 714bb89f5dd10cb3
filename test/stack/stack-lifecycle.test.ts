import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { pingRedis } from '../../src/adapters/redis/client.ts';
import { resolveStack, stackDown, stackPaths, stackStatus, stackUp } from '../../src/stack/index.ts';
import { findExecutable } from '../../src/stack/deps.ts';
import { isAliveAs, portAnswers } from '../../src/stack/processes.ts';
import { freePort, isolatedStackEnv } from './stack-helpers.ts';

// Own state dir and ports: starting and stopping here never disturbs the shared stack.
const env = await isolatedStackEnv();
const loaded = loadConfig({ ...process.env, ...env });
// A Redis URL where nothing answers, not set explicitly: the stack must start its own.
const config: Config = { ...loaded, redis: { ...loaded.redis, url: `redis://127.0.0.1:${await freePort()}`, explicit: false } };
const log = createLogger('test', 'warn');
// The Redis the shared stack uses (the machine's, or the shared redis-server): one that answers.
const sharedRedisUrl = (await resolveStack(loadConfig(process.env))).redis.url;
const paths = stackPaths(config);

afterAll(async () => {
  await stackDown(config, log); // in case a test failed half-way
  rmSync(config.stateDir, { recursive: true, force: true });
});

describe('stack up | down on an isolated state dir', () => {
  it('starts Kafka and a redis-server, reuses them on a second up, and down leaves nothing behind', async () => {
    const first = await stackUp(config, log, { ensureTopics: true, quiet: true });
    expect(first.kafka.started).toBe(true);
    expect(first.redis.started).toBe(true);
    expect(first.redis.managed).toBe(true);
    expect(first.redis.url).toBe(`redis://127.0.0.1:${config.redis.localPort}`);
    expect(first.config.redis.url).toBe(first.redis.url);
    expect((await resolveStack(config)).redis.url).toBe(first.redis.url);
    const kafkaPid = first.kafka.pid ?? -1;
    const redisPid = first.redis.pid ?? -1;
    expect(isAliveAs(kafkaPid, 'kafka.Kafka')).toBe(true);
    expect(isAliveAs(redisPid, 'redis-server')).toBe(true);
    // AOF on: the redis data dir holds an append-only file (dir in Redis 7)
    expect(readdirSync(paths.redisDataDir).some((f) => f.startsWith('appendonly'))).toBe(true);

    const second = await stackUp(config, log, { ensureTopics: true, quiet: true });
    expect(second.kafka).toMatchObject({ started: false, pid: kafkaPid });
    expect(second.redis).toMatchObject({ started: false, pid: redisPid });

    const status = await stackStatus(config);
    expect(status.kafka).toMatchObject({ pid: kafkaPid, answers: true, managed: true });
    expect(status.redis).toMatchObject({ pid: redisPid, answers: true, managed: true });

    const down = await stackDown(config, log);
    expect(down).toMatchObject({ kafkaPid, redisPid, killed: false });
    expect(isAliveAs(kafkaPid, 'kafka.Kafka')).toBe(false);
    expect(isAliveAs(redisPid, 'redis-server')).toBe(false);
    expect(await portAnswers(config.kafka.localPort)).toBe(false);
    expect(await portAnswers(config.kafka.localControllerPort)).toBe(false);
    expect(await portAnswers(config.redis.localPort)).toBe(false);
    expect(existsSync(paths.kafkaPidFile)).toBe(false);
    expect(existsSync(paths.redisPidFile)).toBe(false);
    // with our redis gone, resolveStack falls back to the configured URL
    expect((await resolveStack(config)).redis.url).toBe(config.redis.url);

    // down again with nothing running is fine
    expect(await stackDown(config, log)).toEqual({ kafkaPid: undefined, redisPid: undefined, killed: false });
  });

  it('uses a Redis that answers instead of starting one, and never stops it', async () => {
    const systemUrl = sharedRedisUrl; // a Redis streamrec did not start in this state dir
    if (!(await pingRedis(systemUrl, 1000))) return expect.fail(`this test needs a Redis at ${systemUrl}`);
    const withSystemRedis: Config = {
      ...config,
      kafka: { ...config.kafka, external: true, brokers: [`127.0.0.1:${await freePort()}`] },
      redis: { ...config.redis, url: systemUrl },
    };
    // External broker at a dead port: up fails on Kafka, after it chose the existing Redis.
    await expect(stackUp(withSystemRedis, log, { quiet: true })).rejects.toMatchObject({ code: 'KAFKA_UNAVAILABLE' });
    expect(existsSync(paths.redisPidFile)).toBe(false);
    expect(await portAnswers(config.redis.localPort)).toBe(false);
    await stackDown(withSystemRedis, log);
    expect(await pingRedis(systemUrl, 1000)).toBe(true);
  });

  it('names missing redis-server when no Redis answers and none may be started', async () => {
    const err = await stackUp(config, log, { env: { PATH: '/nonexistent' }, quiet: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DEPENDENCY_MISSING' });
    expect(String((err as Error).message)).toMatch(/no Redis answers at .* and redis-server is not installed/);
    expect((err as { hint?: string }).hint).toMatch(/apt-get install redis-server.*REDIS_URL/);
  });

  it('names missing mvn when the jars are not cached yet', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'streamrec-bin-'));
    const home = mkdtempSync(join(tmpdir(), 'streamrec-nojars-'));
    try {
      const java = findExecutable('java', process.env.PATH);
      if (java === undefined) return expect.fail('this test needs java on PATH');
      symlinkSync(java, join(bin, 'java'));
      const fresh: Config = { ...config, stateDir: home, redis: { ...config.redis, url: sharedRedisUrl } };
      const err = await stackUp(fresh, log, { env: { PATH: bin }, quiet: true }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'DEPENDENCY_MISSING', hint: 'install Maven: apt-get install maven' });
    } finally {
      rmSync(bin, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    }
  });
});

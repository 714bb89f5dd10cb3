import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createClickstreamProducer } from '../../src/adapters/kafka/clickstream-producer.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import type { Config } from '../../src/config.ts';
import { sleep } from '../../src/lifecycle.ts';
import { startLearner } from '../../src/pipeline/compose.ts';
import { feedEvents } from '../../src/pipeline/feed.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { comparable, decodeForReplay, makeEvents, publishModel, readTopic, replayExpected, waitForFinalPositions, waitUntil } from './support.ts';

const ctx = await integrationSetup({ EMBEDDING_DIM: '8', LEARNER_INDEX_SNAPSHOT_DIR: 'off', CLICKSTREAM_PARTITIONS: '2', LEARNER_METRICS_PORT: '0', LEARNER_RETRY_MAX_MS: '1000' });

/** A redis-server of this test's own (AOF on, fsync always), so it can be stopped and restarted. */
async function startPrivateRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  await waitUntil('the private redis-server', async () => probe.connect().then(() => true, () => false), 10_000, 100);
  probe.disconnect();
  return child;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const dir = mkdtempSync(join(tmpdir(), 'streamrec-redis-'));
let redisProcess = await startPrivateRedis(port, dir);
afterAll(() => {
  redisProcess.kill('SIGKILL');
});

describe('(e) Redis stopped and restarted mid-stream', () => {
  it('the learner pauses, retries and resumes; nothing is lost or applied twice', async () => {
    const { kafka, log } = ctx;
    const config: Config = { ...ctx.config, redis: { ...ctx.config.redis, url: `redis://127.0.0.1:${port}` } };
    const vectors = await publishModel(kafka, config, log, 100);
    const events = makeEvents(80, 60, 100, Date.now() - 3_600_000);
    const runtime = await startLearner(config, log);
    const redis = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    const producer = await createClickstreamProducer(kafka, config, log);
    try {
      const feeding = feedEvents(events, (chunk) => producer.send(chunk), { ratePerSec: 2000 });
      const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));
      await waitUntil('some states before the outage', async () => (await store.getMany(['user-0'])).size > 0, 20_000, 50);
      redisProcess.kill('SIGTERM'); // clean shutdown: the AOF keeps what was acknowledged
      await new Promise((r) => redisProcess.once('exit', r));
      await sleep(3000);
      redisProcess = await startPrivateRedis(port, dir);
      await feeding;

      const consumed = await readTopic(kafka, config.topics.clickstream, (all) => all.length >= events.length);
      const expected = replayExpected(config, vectors, consumed, decodeForReplay);
      const got = await waitForFinalPositions(store, expected);
      for (const [id, want] of expected) expect(comparable(got.get(id))).toEqual(comparable(want));

      const metrics = await (await fetch(`http://${config.http.host}:${runtime.metricsPort}/metrics`)).text();
      const retries = [...metrics.matchAll(/^streamrec_retries_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
      expect(retries).toBeGreaterThan(0);
    } finally {
      await producer.close();
      await runtime.close();
      redis.disconnect();
    }
  });
});

import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { resolveStack } from '../../src/stack/index.ts';
import { freePort, isolatedStackEnv, runCli, type CliResult } from './stack-helpers.ts';

// Each case runs the real CLI in a child process and expects exactly one line on stderr
// naming the problem and the fix, a non-zero exit code, and no stack trace.
// REDIS_URL: the shared stack's Redis, so no case depends on a Redis at the default URL
// (and none starts a redis-server of its own).
const sharedRedisUrl = (await resolveStack(loadConfig(process.env))).redis.url;
const base: Record<string, string> = { ...(await isolatedStackEnv()), REDIS_URL: sharedRedisUrl };
const withTools = { ...base, PATH: process.env.PATH ?? '/usr/bin:/bin' };

afterAll(async () => {
  await runCli(['stack', 'down', '--quiet'], withTools);
  rmSync(base.STREAMREC_HOME ?? '/nonexistent', { recursive: true, force: true });
});

function expectOneLineError(result: CliResult, pattern: RegExp): void {
  expect(result.status, result.stderr).not.toBe(0);
  expect(result.status).not.toBeNull(); // null: killed by the timeout, i.e. it hung
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

// Sequential on purpose: each CLI start is CPU-bound (~2 s), concurrency only slows a 2-core machine.
describe('streamrec stack up in a bad environment', () => {
  it('names missing java and how to install it', async () => {
    // nothing on PATH: no java (node is started by absolute path, tsx through --import)
    const result = await runCli(['stack', 'up'], { ...base, PATH: '/nonexistent', JAVA_HOME: '' });
    expectOneLineError(result, /java not found.*apt-get install openjdk-17-jre-headless/);
  });

  it('names a port in use by another program and the setting that moves it', async () => {
    const server: Server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const result = await runCli(['stack', 'up'], { ...withTools, STREAMREC_KAFKA_PORT: String(port) });
      expectOneLineError(result, new RegExp(`port ${port} .*used by another program.*STREAMREC_KAFKA_PORT`));
    } finally {
      server.close();
    }
  });

  it('refuses an explicit REDIS_URL that does not answer, without starting anything', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const result = await runCli(['stack', 'up'], { ...withTools, REDIS_URL: url });
    expectOneLineError(result, new RegExp(`REDIS_URL=${url} does not answer.*fix REDIS_URL`));
  });

  it('reports every invalid config value at once', async () => {
    const env = { ...withTools, STREAMREC_KAFKA_PORT: '70000', EMBEDDING_DIM: 'abc', REDIS_URL: 'http://x' };
    const result = await runCli(['stack', 'status'], env);
    expectOneLineError(result, /invalid configuration: .*STREAMREC_KAFKA_PORT.*REDIS_URL.*EMBEDDING_DIM/);
  });

  it('rejects an unknown action', async () => {
    expectOneLineError(await runCli(['stack', 'sideways'], withTools), /unknown stack action "sideways".*up, down, status/);
  });
});

describe('streamrec stack up with a broker that is slow or elsewhere', () => {
  it('gives up on a broker that is not healthy in time, pointing at its log', async () => {
    const result = await runCli(['stack', 'up', '--timeout', '1000'], withTools, 120_000);
    expectOneLineError(result, /did not become healthy within 1000 ms \(log: .*server\.log/);
  });

  it('refuses to move the running broker to another port (the previous test left it starting)', async () => {
    const result = await runCli(['stack', 'up'], { ...withTools, STREAMREC_KAFKA_PORT: String(await freePort()) });
    expectOneLineError(result, /already runs on port \d+, not \d+ — run "streamrec stack down" first/);
  });
});

import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/lifecycle.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { learnerEnv, spawnTsx } from '../pipeline/support.ts';

interface RecommendationsBody {
  items: Array<{ itemId: string; source: string }>;
  fallback: boolean;
}

const ctx = await integrationSetup();

/** Polls the printed curl URL until the demo user's list comes from the model (the learner caught up). */
async function personalisedList(url: string, timeoutMs: number): Promise<RecommendationsBody> {
  const deadline = Date.now() + timeoutMs;
  let last: RecommendationsBody | undefined;
  while (Date.now() < deadline) {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    last = (await res.json()) as RecommendationsBody;
    if (last.items.length > 0 && last.items.every((i) => i.source === 'model')) return last;
    await sleep(500);
  }
  throw new Error(`no personalised list within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

async function startOnce(expectTraining: boolean): Promise<void> {
  const env = learnerEnv(ctx.config, { PORT: '0', LOG_LEVEL: 'warn', SHUTDOWN_GRACE_MS: '15000' });
  const start = spawnTsx(['src/cli/main.ts', 'start'], env);
  try {
    const curlLine = await start.waitFor(/curl -s '/, 120_000);
    const url = /curl -s '([^']+)'/.exec(curlLine)![1]!;
    expect(start.output.some((l) => l.includes('training one from'))).toBe(expectTraining);
    // "Running" is printed once /readyz says ready (the API's clickstream feed replayed its lookback).
    const ready = await fetch(url.replace(/\/v1\/users\/.*$/, '/readyz'), { signal: AbortSignal.timeout(10_000) });
    expect(ready.status).toBe(200);
    const body = await personalisedList(url, 90_000);
    expect(body.items.length).toBe(5);
    expect(body.fallback).toBe(false);
    // The printed events line carries the generated key: a storefront can post with it, a stranger cannot.
    const key = /x-api-key: ([0-9a-f]{32})/.exec(await start.waitFor(/x-api-key: /, 5000))![1]!;
    const eventsUrl = url.replace(/\/v1\/users\/.*$/, '/v1/events');
    const event = { eventId: `e-${Date.now()}`, userId: 'u1', itemId: 'i1', type: 'click', ts: Date.now() };
    const post = (headers: Record<string, string>) =>
      fetch(eventsUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(event), signal: AbortSignal.timeout(10_000) });
    expect((await post({ 'x-api-key': key })).status).toBe(202);
    expect((await post({ 'x-api-key': 'wrong' })).status).toBe(401);
  } finally {
    start.child.kill('SIGINT');
  }
  // Bounded, and with the child's last lines when it does not stop (start has its own hard stop).
  const code = await Promise.race([start.exited, sleep(60_000).then(() => 'still running after 60 s')]);
  if (code !== 0) start.child.kill('SIGKILL');
  expect(code, start.output.slice(-20).join('\n')).toBe(0);
}

describe('streamrec start', () => {
  it('trains the demo model when Redis has none, answers the printed curl line, and stops cleanly on Ctrl-C', async () => {
    await startOnce(true);
  }, 300_000);

  it('reuses the model in Redis on the next start', async () => {
    await startOnce(false);
  }, 300_000);
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import { createUserState } from '../../src/core/user-state.ts';
import { startApi, type RunningApi } from '../../src/serving/api.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { learnerEnv, publishModel } from '../pipeline/support.ts';
import { itemHash } from '../../src/core/item-hash.ts';

const run = promisify(execFile);
const ctx = await integrationSetup({ API_INDEX_SNAPSHOT_DIR: 'off', EMBEDDING_DIM: '8', PORT: '0' });
let api: RunningApi | undefined;
afterAll(async () => {
  await api?.close();
});

async function inspect(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = learnerEnv(ctx.config, { LOG_LEVEL: 'error' });
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'inspect', ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('streamrec inspect', () => {
  it('shows a user in-process, an item through --url, and says clearly what is wrong', async () => {
    const { config, kafka, log } = ctx;
    const vectors = await publishModel(kafka, config, log, 20);
    const redis = new Redis(config.redis.url);
    const user = createUserState('ann', 8);
    user.vector.set(vectors.get('item-2')!);
    user.eventCount = 1;
    user.lastEventTs = Date.now() - 60_000;
    user.updatedAtMs = Date.now() - 59_000;
    user.history = [{ itemId: 'item-2', type: 'add_to_cart', ts: user.lastEventTs }];
    user.seen = [itemHash('item-2')];
    await createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix)).commit([user]);
    redis.disconnect();

    const shown = await inspect(['user', 'ann', '-k', '3']);
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^user ann\n/);
    expect(shown.stdout).toMatch(/events\s+1\n/);
    expect(shown.stdout).toMatch(/last event\s+\S+Z \(1 min ago\)/);
    expect(shown.stdout).toMatch(/embedding\s+dim 8, norm \d\.\d{4}/);
    expect(shown.stdout).toMatch(/add_to_cart\s+item-2/);
    expect(shown.stdout).toMatch(/nearest items \(cosine\)\n\s+1\. item-2\s+1\.0000/);
    expect(shown.stdout).toMatch(/recommendations \(model test-v1\)\n\s+1\. item-\d+/);

    api = await startApi(config, log);
    const item = await inspect(['item', 'item-4', '--url', api.address]);
    expect(item.code).toBe(0);
    expect(item.stdout).toMatch(/^item item-4\n\s+in index\s+yes \(model test-v1\)/);
    expect(item.stdout).toMatch(/catalog\s+no entry \(available by default\)/);
    expect(item.stdout).toMatch(/neighbours \(rules, sessions and embedding scored together; available only\)\n\s+1\. item-/);

    const unknown = await inspect(['item', 'nope', '--url', api.address]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('streamrec: item nope is not in the index or the catalog');
    const badKind = await inspect(['shelf', 'x', '--url', api.address]);
    expect(badKind.stderr).toMatch(/cannot inspect "shelf" — use: streamrec inspect user ID/);
    const badId = await inspect(['user', 'a b', '--url', api.address]);
    expect(badId.stderr).toMatch(/user id has characters outside/);
    const noApi = await inspect(['user', 'ann', '--url', 'http://127.0.0.1:1']);
    expect(noApi.stderr).toMatch(/no API answers at http:\/\/127.0.0.1:1 .* start one with `streamrec serve`/);
  });
});

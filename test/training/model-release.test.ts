import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createItemEmbeddingsTail } from '../../src/adapters/kafka/item-embeddings-tail.ts';
import { createRedisCatalogStore } from '../../src/adapters/redis/catalog-store.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisModelStore } from '../../src/adapters/redis/model-store.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { modelLineage } from '../../src/core/model-version.ts';
import { modelTag } from '../../src/core/recommender.ts';
import type { ItemEmbeddingRecord } from '../../src/core/ports.ts';
import type { ModelMeta } from '../../src/core/stores.ts';
import { listModelVersions, rollbackModel } from '../../src/training/model-release.ts';
import { integrationSetup, type IntegrationContext } from '../helpers/integration.ts';
import { learnerEnv } from '../pipeline/support.ts';

const run = promisify(execFile);

const DIM = 4;

function vectors(ids: readonly string[], seed: number): Map<string, Float32Array> {
  return new Map(ids.map((id, i) => [id, Float32Array.from({ length: DIM }, (_, d) => Math.sin(seed + i * DIM + d))]));
}

function meta(version: string, itemCount: number, trainedOn: ModelMeta['trainedOn'] = { algorithm: 'test' }): ModelMeta {
  return { version, dim: DIM, itemCount, createdAtMs: Date.now(), trainedOn };
}

/** The item-embeddings topic as every learner and API process sees it. */
async function topicRecords(ctx: IntegrationContext): Promise<Map<string, ItemEmbeddingRecord>> {
  const records = new Map<string, ItemEmbeddingRecord>();
  const tail = createItemEmbeddingsTail(ctx.kafka, ctx.config, createExactIndex(DIM), ctx.log, {
    onChange: (c) => {
      if (c.kind === 'upsert') records.set(c.record.itemId, c.record);
    },
  });
  await tail.start();
  await tail.stop();
  return records;
}

describe('model rollback (real Redis and Kafka)', () => {
  it('serves the version before the current one again: a new version starting a lineage, in Redis and on the topic, unavailable items left out; and back again', async () => {
    const ctx = await integrationSetup({ EMBEDDING_DIM: String(DIM) });
    const keys = createRedisKeys(ctx.config.redis.keyPrefix);
    const models = createRedisModelStore(ctx.redis, keys);
    await expect(rollbackModel(ctx.config, ctx.log)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('no model in Redis') });

    const good = vectors(['a', 'b', 'c', 'd'], 1);
    await models.save(meta('vgood', good.size, { algorithm: 'test', events: 1000 }), good);
    await expect(rollbackModel(ctx.config, ctx.log)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('no earlier version is kept') });
    const bad = vectors(['a', 'b', 'c', 'd', 'e'], 2);
    await models.save(meta('vgood~vbad', bad.size), bad);
    await createRedisCatalogStore(ctx.redis, keys).put({ itemId: 'd', available: false, updatedAtMs: Date.now() });

    const back = await rollbackModel(ctx.config, ctx.log);
    expect(back).toMatchObject({ restored: 'vgood', replaced: 'vgood~vbad', unavailable: 1, notInRestored: 1 });
    // A lineage of its own: rankings stored under the replaced version are not served any more.
    expect(modelLineage(back.meta.version)).toBe(back.meta.version);
    expect(modelTag(back.meta.version)).not.toBe(modelTag('vgood~vbad'));
    expect(back.meta.trainedOn).toMatchObject({ events: 1000, restores: 'vgood', replaces: 'vgood~vbad' });
    expect((await models.current())!.version).toBe(back.meta.version);
    const served = await models.loadVectors(back.meta.version);
    expect([...served.keys()].sort()).toEqual(['a', 'b', 'c']);
    for (const [id, v] of served) expect(Array.from(v)).toEqual(Array.from(good.get(id)!));
    const records = await topicRecords(ctx);
    for (const id of ['a', 'b', 'c']) {
      expect(records.get(id)).toMatchObject({ modelVersion: back.meta.version, source: 'train' });
      expect(Array.from(records.get(id)!.vector)).toEqual(Array.from(good.get(id)!));
    }
    // The replaced version stays kept: the rollback can be undone the same way.
    const listed = await listModelVersions(ctx.config, ctx.log);
    expect(listed.current).toBe(back.meta.version);
    expect(listed.versions.map((v) => v.version)).toEqual([back.meta.version, 'vgood~vbad']);

    const undo = await rollbackModel(ctx.config, ctx.log, 'vgood~vbad');
    expect(undo).toMatchObject({ restored: 'vgood~vbad', replaced: back.meta.version });
    expect(modelLineage(undo.meta.version)).toBe(undo.meta.version);
    expect((await topicRecords(ctx)).get('e')).toMatchObject({ modelVersion: undo.meta.version });

    await expect(rollbackModel(ctx.config, ctx.log, 'vgood')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(`version vgood is not kept (kept: ${undo.meta.version}, ${back.meta.version})`) });
    await expect(rollbackModel(ctx.config, ctx.log, undo.meta.version)).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('served already') });
    await expect(rollbackModel({ ...ctx.config, model: { ...ctx.config.model, dim: 8 } }, ctx.log)).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('has 4 dims, the engine runs with 8') });
  }, 60_000);

  it('`streamrec model list` marks the served version; `model rollback` asks for --yes in one line, then switches and says how to undo', async () => {
    const ctx = await integrationSetup({ EMBEDDING_DIM: String(DIM) });
    const models = createRedisModelStore(ctx.redis, createRedisKeys(ctx.config.redis.keyPrefix));
    await models.save(meta('vone', 2), vectors(['a', 'b'], 1));
    await models.save(meta('vtwo', 3), vectors(['a', 'b', 'c'], 2));
    const env = { ...learnerEnv(ctx.config), LOG_LEVEL: 'warn' };
    const cli = (...args: string[]) => run(process.execPath, ['src/cli/bin.mjs', 'model', ...args], { env, timeout: 60_000 });
    const listed = await cli('list');
    expect(listed.stdout.split('\n').filter((l) => l.trim() !== '')).toEqual([expect.stringMatching(/^\* vtwo .*3 items × 4 {2}algorithm=test$/), expect.stringMatching(/^ {2}vone .*2 items × 4/)]);
    const refused = await cli('rollback').then(() => undefined, (err: { code: number; stderr: string }) => err);
    expect(refused?.code).toBe(1);
    // (A line about a stale dist/ may come first when the sources changed since the build.)
    expect(refused?.stderr.split('\n').filter((l) => l.startsWith('streamrec:') && !l.includes('npm run build'))).toEqual([expect.stringContaining('streamrec model rollback --yes')]);
    expect(refused?.stderr).not.toMatch(/\n\s+at /);
    expect((await models.current())!.version).toBe('vtwo');
    const done = await cli('rollback', '--yes');
    expect(done.stdout).toMatch(/^serving v\d+: the vectors of vone \(2 items\), in place of vtwo$/m);
    expect(done.stdout).toContain('undo: streamrec model rollback --to vtwo --yes');
    expect((await models.current())!.trainedOn).toMatchObject({ restores: 'vone', replaces: 'vtwo' });
  }, 90_000);
});

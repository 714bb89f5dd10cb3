import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createItemEmbeddingsPublisher } from '../../src/adapters/kafka/item-embeddings.ts';
import { deleteTopics, ensureTopics } from '../../src/adapters/kafka/topics.ts';
import type { Config } from '../../src/config.ts';
import { openInspection } from '../../src/serving/inspection.ts';
import { integrationSetup } from '../helpers/integration.ts';

const dir = mkdtempSync(join(tmpdir(), 'streamrec-serving-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ctx = await integrationSetup({ API_INDEX_SNAPSHOT_DIR: dir, EMBEDDING_DIM: '4' });

/** The ids one-shot load sees, and whether it replayed the topic (its 'index caught up' line says). */
async function loadOnce(config: Config): Promise<{ ids: string[]; replayed: boolean; modelVersion: string }> {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => done(void lines.push(chunk.toString())) }));
  const model = await openInspection(config, log);
  try {
    const caughtUp = lines.map((l) => JSON.parse(l) as { msg: string; replayed?: boolean }).find((l) => l.msg === 'index caught up with item-embeddings');
    return { ids: [...model.index.ids()].sort(), replayed: caughtUp?.replayed ?? true, modelVersion: model.modelVersion() };
  } finally {
    await model.close();
  }
}

async function publish(config: Config, ids: string[], removed: string[] = [], modelVersion = 'v1'): Promise<void> {
  const pub = await createItemEmbeddingsPublisher(ctx.kafka, config, ctx.log);
  try {
    if (ids.length > 0) {
      await pub.publish(ids.map((itemId, i) => ({ itemId, vector: Float32Array.from([1, i, 0, 0]), modelVersion, updatedAtMs: Date.now(), source: 'train' as const })));
    }
    if (removed.length > 0) await pub.remove(removed);
  } finally {
    await pub.close();
  }
}

describe('a one-shot load of the serving model from its snapshot', () => {
  it('skips the replay only while the topic holds nothing the snapshot lacks, and never across a recreated topic', async () => {
    const { config, kafka, log } = ctx;
    await publish(config, ['a', 'b', 'c']);
    expect(await loadOnce(config)).toEqual({ ids: ['a', 'b', 'c'], replayed: true, modelVersion: 'v1' });
    expect(await loadOnce(config)).toEqual({ ids: ['a', 'b', 'c'], replayed: false, modelVersion: 'v1' });

    await publish(config, ['d'], ['b'], 'v2');
    expect(await loadOnce(config)).toEqual({ ids: ['a', 'c', 'd'], replayed: true, modelVersion: 'v2' });
    expect(await loadOnce(config)).toEqual({ ids: ['a', 'c', 'd'], replayed: false, modelVersion: 'v2' });

    // The same name and the same high watermark (5 records), but another topic.
    await deleteTopics(kafka, [config.topics.itemEmbeddings]);
    await ensureTopics(kafka, config, [config.topics.itemEmbeddings], log);
    await publish(config, ['p', 'q', 'r', 's', 't'], [], 'v3');
    expect(await loadOnce(config)).toEqual({ ids: ['p', 'q', 'r', 's', 't'], replayed: true, modelVersion: 'v3' });
  });
});

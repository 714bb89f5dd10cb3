import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createItemEmbeddingsPublisher } from '../../../src/adapters/kafka/item-embeddings.ts';
import { createItemEmbeddingsTail } from '../../../src/adapters/kafka/item-embeddings-tail.ts';
import { createItemNeighboursTail } from '../../../src/adapters/kafka/item-neighbours-tail.ts';
import { createExactIndex } from '../../../src/core/exact-index.ts';
import { createNeighbourTable } from '../../../src/core/neighbour-table.ts';
import type { Logger } from '../../../src/log.ts';
import { integrationSetup } from '../../helpers/integration.ts';

const ctx = await integrationSetup({ EMBEDDING_DIM: '4' });

/** A logger at info whose messages the test reads. */
function capturingLog(): { log: Logger; messages: () => string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => done(void lines.push(chunk.toString())) }));
  return { log, messages: () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg) };
}

describe('a one-shot compacted tail (follow: false)', () => {
  it('joins no group on an empty topic and reads a full one to its end', async () => {
    const { config, kafka } = ctx;
    const empty = capturingLog();
    const neighbours = createItemNeighboursTail(kafka, config, createNeighbourTable(), empty.log, { follow: false });
    await neighbours.start();
    expect(neighbours.caughtUp).toBe(true);
    await neighbours.stop();
    expect(empty.messages()).not.toContain('joined neighbour-tail group');

    const pub = await createItemEmbeddingsPublisher(kafka, config, ctx.log);
    await pub.publish(['a', 'b', 'c'].map((itemId, i) => ({ itemId, vector: Float32Array.from([1, i, 0, 0]), modelVersion: 'v1', updatedAtMs: Date.now(), source: 'train' as const })));
    await pub.close();
    const full = capturingLog();
    const index = createExactIndex(4);
    const tail = createItemEmbeddingsTail(kafka, config, index, full.log, { follow: false });
    await tail.start();
    expect([...index.ids()].sort()).toEqual(['a', 'b', 'c']);
    expect(full.messages()).toContain('joined item-tail group');
    await tail.stop();
  });
});

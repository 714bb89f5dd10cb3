import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createItemEmbeddingsPublisher } from '../../../src/adapters/kafka/item-embeddings.ts';
import { createItemEmbeddingsTail } from '../../../src/adapters/kafka/item-embeddings-tail.ts';
import { createItemNeighboursTail } from '../../../src/adapters/kafka/item-neighbours-tail.ts';
import { createExactIndex } from '../../../src/core/exact-index.ts';
import { createNeighbourTable } from '../../../src/core/neighbour-table.ts';
import type { Logger } from '../../../src/log.ts';
import { openServingIndex } from '../../../src/serving/serving-index.ts';
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

describe('a refit through the item tail into a serving index', () => {
  it('applies every record in topic order, serves the moved vectors at once and relinks them in the background', async () => {
    const { config, kafka } = ctx;
    const count = 1_200; // several of the tail's runs of 512
    const at = (i: number, turn: number) => Float32Array.from([Math.cos(i + turn), Math.sin(i + turn), (i % 7) / 7, turn]);
    const record = (i: number, turn: number) => ({ itemId: `r${i}`, vector: at(i, turn), modelVersion: `v${turn}`, updatedAtMs: Date.now(), source: 'train' as const });
    const pub = await createItemEmbeddingsPublisher(kafka, config, ctx.log);
    await pub.publish(Array.from({ length: count }, (_, i) => record(i, 0)));
    const index = openServingIndex(4, undefined, config.topics.itemEmbeddings, ctx.log);
    let changes = 0;
    const tail = createItemEmbeddingsTail(kafka, config, index, ctx.log, { onChange: () => void changes++ });
    try {
      await tail.start();
      expect(index.size).toBeGreaterThanOrEqual(count);
      const applied = changes; // the topic may hold other tests' records too
      // The refit, with a removal and a re-add of the same id in between: order must hold.
      await pub.publish(Array.from({ length: count }, (_, i) => record(i, 1)));
      await pub.remove(['r5']);
      await pub.publish([record(6, 2)]);
      await pub.remove(['r6']);
      const deadline = Date.now() + 30_000;
      while ((index.has('r6') || index.rebuilds === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(index.has('r5')).toBe(false);
      expect(index.has('r6')).toBe(false);
      expect(index.rebuilds).toBeGreaterThanOrEqual(1);
      expect(changes - applied).toBe(count + 3);
      for (const i of [0, 511, 512, 1_199]) expect(index.search(at(i, 1), 1)[0]!.itemId).toBe(`r${i}`);
      expect(tail.stats.invalid).toBe(0);
    } finally {
      index.close();
      await tail.stop();
      await pub.close();
    }
  });
});

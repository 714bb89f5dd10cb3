import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { readPartitionOffsets } from '../../../src/adapters/kafka/offsets.ts';
import { deleteTopics, ensureTopics, topicSpecs, waitUntilServed } from '../../../src/adapters/kafka/topics.ts';
import { integrationSetup } from '../../helpers/integration.ts';

const ctx = await integrationSetup();

/** This stack's broker with a fresh set of topic names (`tag` in each), none created yet. */
function freshTopics(tag: string, clickstreamPartitions: number) {
  const id = randomBytes(4).toString('hex');
  return loadConfig({
    ...process.env,
    KAFKA_BROKERS: ctx.config.kafka.brokers.join(','),
    TOPIC_CLICKSTREAM: `t-${id}-${tag}-clickstream`,
    TOPIC_DEAD_LETTER: `t-${id}-${tag}-dlq`,
    TOPIC_RECOMMENDATIONS: `t-${id}-${tag}-recommendations`,
    TOPIC_ITEM_EMBEDDINGS: `t-${id}-${tag}-item-embeddings`,
    TOPIC_ITEM_NEIGHBOURS: `t-${id}-${tag}-item-neighbours`,
    CLICKSTREAM_PARTITIONS: String(clickstreamPartitions),
  });
}

// A client that fails the test if anything reaches kafkajs: the engine's own requests must answer.
const noKafkajs = { admin: () => expect.fail('kafkajs was asked') } as unknown as Kafka;

describe('ensureTopics', () => {
  it('is idempotent and tolerates processes racing to create the same topics', async () => {
    const config = freshTopics('race', 2);
    const names = topicSpecs(config).map((s) => s.topic);
    try {
      const results = await Promise.all([1, 2, 3].map(() => ensureTopics(ctx.kafka, config, undefined, ctx.log)));
      for (const r of results) expect([...r.created, ...r.existing].sort()).toEqual([...names].sort());
      const again = await ensureTopics(ctx.kafka, config, undefined, ctx.log);
      expect(again).toEqual({ created: [], existing: names });
    } finally {
      await deleteTopics(ctx.kafka, names);
    }
  });

  it('creates only the named topics, and rejects a name that is not one of the config', async () => {
    const only = await ensureTopics(ctx.kafka, ctx.config, [ctx.config.topics.clickstream]);
    expect(only).toEqual({ created: [], existing: [ctx.config.topics.clickstream] });
    await expect(ensureTopics(ctx.kafka, ctx.config, ['no-such-topic'])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});

describe('ensureTopics returns only once the new topics are served', () => {
  it('every partition of every topic it created answers ListOffsets at once, round after round', async () => {
    for (let round = 0; round < 3; round++) {
      const config = freshTopics('served', 3);
      const specs = topicSpecs(config);
      try {
        const result = await ensureTopics(ctx.kafka, config, undefined, ctx.log);
        expect(result.created.sort()).toEqual(specs.map((s) => s.topic).sort());
        for (const spec of specs) {
          const offsets = await readPartitionOffsets(noKafkajs, config, spec.topic);
          expect(offsets.map((o) => o.partition)).toEqual(Array.from({ length: spec.numPartitions }, (_, p) => p));
        }
      } finally {
        await deleteTopics(ctx.kafka, specs.map((s) => s.topic));
      }
    }
  }, 60_000);

  it('gives up after its bound with the topics named, when a topic is never served', async () => {
    const started = Date.now();
    await expect(waitUntilServed(ctx.config, ['t-never-created-topic'], 1000)).rejects.toMatchObject({
      code: 'KAFKA_UNAVAILABLE',
      message: expect.stringContaining('t-never-created-topic are not served by their leaders after 1000 ms'),
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

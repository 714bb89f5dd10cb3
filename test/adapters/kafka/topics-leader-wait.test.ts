import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { readPartitionOffsets } from '../../../src/adapters/kafka/offsets.ts';
import { deleteTopics, ensureTopics, topicSpecs, waitUntilServed } from '../../../src/adapters/kafka/topics.ts';
import { loadConfig } from '../../../src/config.ts';
import { integrationSetup } from '../../helpers/integration.ts';

const ctx = await integrationSetup();

// A client that fails the test if anything reaches kafkajs: the engine's own requests must answer.
const noKafkajs = { admin: () => expect.fail('kafkajs was asked') } as unknown as Kafka;

describe('ensureTopics returns only once the new topics are served (real Kafka)', () => {
  it('every partition of every topic it created answers ListOffsets at once, round after round', async () => {
    for (let round = 0; round < 3; round++) {
      const id = randomBytes(4).toString('hex');
      const config = loadConfig({
        ...process.env,
        KAFKA_BROKERS: ctx.config.kafka.brokers.join(','),
        TOPIC_CLICKSTREAM: `t-${id}-served-clickstream`,
        TOPIC_DEAD_LETTER: `t-${id}-served-dlq`,
        TOPIC_RECOMMENDATIONS: `t-${id}-served-recommendations`,
        TOPIC_ITEM_EMBEDDINGS: `t-${id}-served-item-embeddings`,
        TOPIC_ITEM_NEIGHBOURS: `t-${id}-served-item-neighbours`,
        CLICKSTREAM_PARTITIONS: '3',
      });
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

import { describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { integrationSetup } from '../helpers/integration.ts';

// The reason we can stay on Kafka 4.1: kafkajs 2.2.4 must produce, consume in a group
// and administer topics against it. If this fails, the README says to fall back to 3.9.x.
const ctx = await integrationSetup({ CLICKSTREAM_PARTITIONS: '3' });

describe('kafkajs 2.2.4 against the local Kafka 4.1 broker', () => {
  it('creates the topics with the configured partitions and compaction', async () => {
    const admin = ctx.kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [...ctx.topics] });
      const partitions = Object.fromEntries(meta.topics.map((t) => [t.name, t.partitions.length]));
      expect(partitions).toEqual({
        [ctx.config.topics.clickstream]: 3,
        [ctx.config.topics.deadLetter]: 1,
        [ctx.config.topics.recommendations]: ctx.config.topics.recommendationsPartitions,
        [ctx.config.topics.itemEmbeddings]: ctx.config.topics.itemEmbeddingsPartitions,
        [ctx.config.topics.itemNeighbours]: ctx.config.topics.itemEmbeddingsPartitions,
      });
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: ctx.topics.map((name) => ({ type: 2 /* TOPIC */, name, configNames: ['cleanup.policy'] })),
      });
      const policy = Object.fromEntries(
        configs.resources.map((r) => [r.resourceName, r.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue]),
      );
      expect(policy).toEqual({
        [ctx.config.topics.clickstream]: 'delete',
        [ctx.config.topics.deadLetter]: 'delete',
        [ctx.config.topics.recommendations]: 'compact',
        [ctx.config.topics.itemEmbeddings]: 'compact',
        [ctx.config.topics.itemNeighbours]: 'compact',
      });
    } finally {
      await admin.disconnect();
    }
  });

  it('round-trips keyed messages through a consumer group, keys landing on one partition', async () => {
    const topic = ctx.config.topics.clickstream;
    const producer = ctx.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
    const consumer = ctx.kafka.consumer({ groupId: ctx.config.learner.groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await producer.connect();
    await consumer.connect();
    try {
      const sent = Array.from({ length: 30 }, (_, i) => ({ key: `user-${i % 5}`, value: JSON.stringify({ n: i }) }));
      await producer.send({ topic, messages: sent });
      await consumer.subscribe({ topic, fromBeginning: true });
      const received: Array<{ key: string; n: number; partition: number }> = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${received.length} of 30 messages within 30 s`)), 30_000);
        void consumer.run({
          eachMessage: async ({ message, partition }) => {
            received.push({ key: String(message.key), n: (JSON.parse(String(message.value)) as { n: number }).n, partition });
            if (received.length === sent.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      expect(received.map((r) => r.n).sort((a, b) => a - b)).toEqual(sent.map((_, i) => i));
      for (let u = 0; u < 5; u++) {
        const mine = received.filter((r) => r.key === `user-${u}`);
        expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
        // per-key order is kept within its partition
        expect(mine.map((r) => r.n)).toEqual([...mine.map((r) => r.n)].sort((a, b) => a - b));
      }
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });

  it('reads and writes the test Redis under its own key prefix', async () => {
    const key = `${ctx.config.redis.keyPrefix}:probe`;
    await ctx.redis.set(key, 'ok');
    expect(await ctx.redis.get(key)).toBe('ok');
  });
});

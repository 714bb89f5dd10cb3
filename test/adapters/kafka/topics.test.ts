import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { deleteTopics, ensureTopics, topicSpecs } from '../../../src/adapters/kafka/topics.ts';
import { integrationSetup } from '../../helpers/integration.ts';

const ctx = await integrationSetup();

describe('ensureTopics', () => {
  it('is idempotent and tolerates processes racing to create the same topics', async () => {
    const id = randomBytes(4).toString('hex');
    const config = loadConfig({
      ...process.env,
      KAFKA_BROKERS: ctx.config.kafka.brokers.join(','),
      TOPIC_CLICKSTREAM: `t-${id}-race-clickstream`,
      TOPIC_DEAD_LETTER: `t-${id}-race-dlq`,
      TOPIC_RECOMMENDATIONS: `t-${id}-race-recommendations`,
      TOPIC_ITEM_EMBEDDINGS: `t-${id}-race-item-embeddings`,
      TOPIC_ITEM_NEIGHBOURS: `t-${id}-race-item-neighbours`,
      CLICKSTREAM_PARTITIONS: '2',
    });
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

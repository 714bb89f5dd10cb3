import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { readPartitionOffsets } from '../../../src/adapters/kafka/offsets.ts';
import { loadConfig } from '../../../src/config.ts';
import { ensureTopics } from '../../../src/adapters/kafka/topics.ts';
import { fetchTopicId } from '../../../src/adapters/kafka/topic-id.ts';
import { integrationSetup } from '../../helpers/integration.ts';
import { produceEvents } from '../../pipeline/support.ts';

const ctx = await integrationSetup({ CLICKSTREAM_PARTITIONS: '3' });

// A client that fails the test if anything reaches kafkajs.
const noKafkajs = { admin: () => expect.fail('kafkajs was asked') } as unknown as Kafka;

describe('Kafka questions the engine asks itself (Metadata, ListOffsets)', () => {
  it('reads the same watermarks as the kafkajs admin, and leaves a missing topic to kafkajs', async () => {
    const { config, kafka } = ctx;
    const t0 = Date.now();
    await produceEvents(ctx, Array.from({ length: 40 }, (_, i) => ({ eventId: `e${i}`, userId: `u${i % 7}`, itemId: `i${i}`, type: 'view' as const, ts: t0 + i })));
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const topic of [config.topics.clickstream, config.topics.itemNeighbours]) {
        const viaKafkajs = (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }));
        const direct = await readPartitionOffsets(noKafkajs, config, topic);
        expect(direct).toEqual(viaKafkajs.sort((a, b) => a.partition - b.partition));
      }
    } finally {
      await admin.disconnect();
    }
    const clickstream = await readPartitionOffsets(noKafkajs, config, config.topics.clickstream);
    expect(clickstream.reduce((n, o) => n + o.high - o.low, 0)).toBe(40);
    expect(await fetchTopicId(config, config.topics.clickstream)).toMatch(/^[0-9a-f]{8}-/);
    expect(await fetchTopicId(config, 'no-such-topic-anywhere')).toBeUndefined();
    await expect(readPartitionOffsets(noKafkajs, config, 'no-such-topic-anywhere')).rejects.toThrow(/kafkajs was asked/);
  });

  it('ensureTopics sees every topic present with one Metadata request', async () => {
    const names = [ctx.config.topics.clickstream, ctx.config.topics.deadLetter, ctx.config.topics.recommendations, ctx.config.topics.itemEmbeddings, ctx.config.topics.itemNeighbours];
    expect(await ensureTopics(noKafkajs, ctx.config, undefined, ctx.log)).toEqual({ created: [], existing: names });
  });

  it('waits out a partition whose leader does not serve it yet, and gives up on other errors at once', async () => {
    // No broker at this address: the direct read fails and kafkajs's admin (scripted here) answers.
    const config = loadConfig({ KAFKA_BROKERS: '127.0.0.1:1', KAFKA_CONNECTION_TIMEOUT_MS: '200' });
    const scripted = (failures: Error[]) => {
      let calls = 0;
      const admin = {
        connect: async () => undefined,
        disconnect: async () => undefined,
        fetchTopicOffsets: async () => {
          const failure = failures[calls++];
          if (failure) throw failure;
          return [{ partition: 0, offset: '7', low: '2', high: '7' }];
        },
      };
      return { kafka: { admin: () => admin } as unknown as Kafka, calls: () => calls };
    };
    const notLeader = () => Object.assign(new Error('This server is not the leader for that topic-partition'), { type: 'NOT_LEADER_FOR_PARTITION', retriable: true });
    const flux = scripted([notLeader(), notLeader()]);
    expect(await readPartitionOffsets(flux.kafka, config, 'any')).toEqual([{ partition: 0, low: 2, high: 7 }]);
    expect(flux.calls()).toBe(3);
    const denied = scripted([Object.assign(new Error('Not authorized to access topics'), { type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false })]);
    await expect(readPartitionOffsets(denied.kafka, config, 'any')).rejects.toThrow(/Not authorized/);
    expect(denied.calls()).toBe(1);
  });
});

import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { ensureTopics } from '../../../src/adapters/kafka/topics.ts';

// A broker that refuses connections: the engine's direct metadata check fails at once and
// ensureTopics goes the admin path, which the scripted admin below answers.
const config = loadConfig({ KAFKA_BROKERS: '127.0.0.1:1', KAFKA_CONNECTION_TIMEOUT_MS: '200', CLICKSTREAM_PARTITIONS: '2' });

type MetadataAnswer = Error | { topics: Array<{ name: string; partitions: Array<{ partitionId: number; partitionErrorCode: number; leader: number }> }> };

function scriptedKafka(answers: MetadataAnswer[], offsetsRefusals = 0): { kafka: Kafka; calls: () => number } {
  let calls = 0;
  let offsetsRefused = offsetsRefusals;
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => [],
    createTopics: async () => true,
    fetchTopicOffsets: async () => {
      if (offsetsRefused > 0) {
        offsetsRefused--;
        throw kafkaError('NOT_LEADER_FOR_PARTITION', true);
      }
      return [];
    },
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
      const answer = answers[Math.min(calls++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return { topics: topics.map((name) => answer.topics.find((t) => t.name === name) ?? answer.topics[0]!).map((t, i) => ({ ...t, name: topics[i]! })) };
    },
  };
  return { kafka: { admin: () => admin } as unknown as Kafka, calls: () => calls };
}

function kafkaError(type: string, retriable: boolean): Error {
  return Object.assign(new Error(type === 'UNKNOWN_TOPIC_OR_PARTITION' ? 'This server does not host this topic-partition' : type), { type, retriable });
}

const leaders = (leader: number) => ({ topics: [{ name: '*', partitions: [0, 1].map((partitionId) => ({ partitionId, partitionErrorCode: 0, leader })) }] });

describe('ensureTopics waits for a new topic to reach the broker', () => {
  it('rides out "does not host this topic-partition" and partitions without a leader after creation', async () => {
    const { kafka, calls } = scriptedKafka([kafkaError('UNKNOWN_TOPIC_OR_PARTITION', true), kafkaError('UNKNOWN_TOPIC_OR_PARTITION', true), leaders(-1), leaders(1)]);
    const result = await ensureTopics(kafka, config);
    expect(result.created).toHaveLength(5);
    expect(calls()).toBe(4);
  });

  it('waits until every partition answers for offsets (a leader named in the metadata may not serve it yet)', async () => {
    const { kafka, calls } = scriptedKafka([leaders(1)], 2);
    const result = await ensureTopics(kafka, config);
    expect(result.created).toHaveLength(5);
    expect(calls()).toBe(3);
  });

  it('gives up at once on an error that waiting does not cure', async () => {
    const { kafka, calls } = scriptedKafka([kafkaError('TOPIC_AUTHORIZATION_FAILED', false)]);
    await expect(ensureTopics(kafka, config)).rejects.toMatchObject({ code: 'KAFKA_UNAVAILABLE', message: expect.stringContaining('TOPIC_AUTHORIZATION_FAILED') });
    expect(calls()).toBe(1);
  });

  // The wait is the 5 s floor here (request timeout 1 s).
  it('says which partitions still have no leader when the wait runs out', async () => {
    const { kafka } = scriptedKafka([leaders(-1)]);
    await expect(ensureTopics(kafka, loadConfig({ KAFKA_BROKERS: '127.0.0.1:1', KAFKA_CONNECTION_TIMEOUT_MS: '200', KAFKA_REQUEST_TIMEOUT_MS: '1000' }))).rejects.toThrow(/no leader yet for partition\(s\) 0, 1/);
  }, 15_000);
});

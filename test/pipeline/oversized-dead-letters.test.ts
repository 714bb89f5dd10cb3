import { createHash } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { encodeEvent } from '../../src/adapters/kafka/codec.ts';
import { parseDeadLetter } from '../../src/adapters/kafka/dead-letter.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import { startLearner } from '../../src/pipeline/compose.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { comparable, decodeForReplay, makeEvents, publishModel, readTopic, replayExpected, waitForFinalPositions, waitUntil } from './support.ts';

const ctx = await integrationSetup({ EMBEDDING_DIM: '8', LEARNER_INDEX_SNAPSHOT_DIR: 'off', CLICKSTREAM_PARTITIONS: '2', LEARNER_METRICS_PORT: '0', LEARNER_RETRY_MAX_MS: '1000' });

/** 0.7 MB fits the dead-letter topic base64'd as is; 0.9 MB and up do not, 1 MiB is the broker default, 5 MB needs a raised clickstream limit. */
const BIG_SIZES = [700_000, 900_000, 1_048_576, 5_000_000];
const CLICKSTREAM_MAX_MESSAGE_BYTES = 6 * 1024 * 1024;

describe('messages of 0.7 to 5 MB between valid traffic', () => {
  it('are dead-lettered (cut, with full size and sha256) under the topic limit; every partition keeps going and commits', async () => {
    const { config, kafka, redis, log } = ctx;
    const admin = kafka.admin();
    await admin.connect();
    let dlqLimit: number;
    try {
      // Only the clickstream's limit is raised; the dead-letter topic keeps the broker default.
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: 2 /* TOPIC */, name: config.topics.clickstream, configEntries: [{ name: 'max.message.bytes', value: String(CLICKSTREAM_MAX_MESSAGE_BYTES) }] }],
      });
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2 /* TOPIC */, name: config.topics.deadLetter, configNames: ['max.message.bytes'] }],
      });
      dlqLimit = Number(described.resources[0]!.configEntries[0]!.configValue);
    } finally {
      await admin.disconnect();
    }
    expect(dlqLimit).toBeLessThan(BIG_SIZES[1]! * 1.34);

    const vectors = await publishModel(kafka, config, log, 50);
    const events = makeEvents(20, 10, 50);
    const half = events.length / 2;
    const bigs = BIG_SIZES.map((size, i) => {
      const e = events[i]!;
      const head = JSON.stringify({ ...e, eventId: `big-${i}` });
      const value = Buffer.from(`${head.slice(0, -1)},"pad":"${'x'.repeat(size - head.length - 9)}"}`);
      expect(value.length).toBe(size);
      return { key: e.userId, value };
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({ topic: config.topics.clickstream, acks: -1, messages: events.slice(0, half).map((e) => ({ key: e.userId, value: encodeEvent(e) })) });
      for (const big of bigs) await producer.send({ topic: config.topics.clickstream, acks: -1, messages: [big] });
      await producer.send({ topic: config.topics.clickstream, acks: -1, messages: events.slice(half).map((e) => ({ key: e.userId, value: encodeEvent(e) })) });
    } finally {
      await producer.disconnect();
    }

    const runtime = await startLearner(config, log);
    try {
      const dlq = await readTopic(kafka, config.topics.deadLetter, (all) => all.length >= BIG_SIZES.length, 60_000);
      expect(dlq).toHaveLength(BIG_SIZES.length);
      const bySize = new Map(bigs.map((b) => [b.value.length, b]));
      for (const { message } of dlq) {
        expect(message.value!.length + (message.key?.length ?? 0)).toBeLessThanOrEqual(dlqLimit / 2);
        const letter = parseDeadLetter(message.value!);
        const big = bySize.get(letter.valueBytes)!;
        expect(big).toBeDefined();
        bySize.delete(letter.valueBytes);
        expect(letter.code).toBe('oversized');
        expect(letter.reason).toContain(`${letter.valueBytes} bytes`);
        expect(letter.valueSha256).toBe(createHash('sha256').update(big.value).digest('hex'));
        expect(letter.truncated).toBe(true);
        expect(Buffer.from(letter.key!, 'base64').toString()).toBe(big.key);
        const kept = Buffer.from(letter.value!, 'base64');
        expect(kept.length).toBeGreaterThan(1000);
        expect(Buffer.compare(kept, big.value.subarray(0, kept.length))).toBe(0);
      }
      expect(bySize.size).toBe(0);

      const consumed = await readTopic(kafka, config.topics.clickstream, (all) => all.length >= events.length + bigs.length);
      const bigPartitions = new Set(consumed.filter((m) => (m.message.value?.length ?? 0) > 65_536).map((m) => m.partition));
      expect(bigPartitions.size).toBe(2);
      const expected = replayExpected(config, vectors, consumed, decodeForReplay);
      expect([...expected.values()].reduce((n, s) => n + s.eventCount, 0)).toBe(events.length);
      const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));
      const got = await waitForFinalPositions(store, expected);
      for (const [id, want] of expected) expect(comparable(got.get(id))).toEqual(comparable(want));

      const ends = new Map<number, number>();
      for (const { partition, message } of consumed) ends.set(partition, Math.max(ends.get(partition) ?? 0, Number(message.offset) + 1));
      const offsetsAdmin = kafka.admin();
      await offsetsAdmin.connect();
      try {
        await waitUntil('offsets committed to the end of every partition', async () => {
          const [committed] = await offsetsAdmin.fetchOffsets({ groupId: config.learner.groupId, topics: [config.topics.clickstream] });
          return [...ends].every(([p, end]) => Number(committed!.partitions.find((c) => c.partition === p)?.offset) === end);
        }, 30_000);
      } finally {
        await offsetsAdmin.disconnect();
      }
    } finally {
      await runtime.close();
    }
  }, 180_000);
});

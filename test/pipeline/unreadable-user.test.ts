import { describe, expect, it } from 'vitest';
import { encodeEvent } from '../../src/adapters/kafka/codec.ts';
import { parseDeadLetter } from '../../src/adapters/kafka/dead-letter.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import { startLearner } from '../../src/pipeline/compose.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { comparable, decodeForReplay, makeEvents, publishModel, readTopic, replayExpected, waitForFinalPositions, waitUntil } from './support.ts';

const ctx = await integrationSetup({ EMBEDDING_DIM: '8', LEARNER_INDEX_SNAPSHOT_DIR: 'off', CLICKSTREAM_PARTITIONS: '2', LEARNER_METRICS_PORT: '0', LEARNER_RETRY_MAX_MS: '1000' });

/** Records no layout can read: random bytes, and a layout-2 header over a cut msgpack body. */
const UNREADABLE = new Map<string, Buffer>([
  ['user-3', Buffer.from('not a user record \xff\x00', 'latin1')],
  ['user-8', Buffer.from('\x020:5\n\x97\xa6user-8\xc4\x20', 'latin1')],
]);

describe('unreadable user records in Redis', () => {
  it('dead-letter their users’ events with reason and key, move the records to quarantine keys, and the rest of the batch proceeds', async () => {
    const { config, kafka, redis, log } = ctx;
    const keys = createRedisKeys(config.redis.keyPrefix);
    for (const [userId, bytes] of UNREADABLE) await redis.set(keys.user(userId), bytes);
    const vectors = await publishModel(kafka, config, log, 50);
    const events = makeEvents(12, 8, 50);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: config.topics.clickstream, acks: -1, messages: events.map((e) => ({ key: e.userId, value: encodeEvent(e) })) });
    await producer.disconnect();

    const runtime = await startLearner(config, log);
    try {
      const badEvents = events.filter((e) => UNREADABLE.has(e.userId));
      const dlq = await readTopic(kafka, config.topics.deadLetter, (all) => all.length >= badEvents.length, 60_000);
      expect(dlq).toHaveLength(badEvents.length);
      for (const { message } of dlq) {
        const letter = parseDeadLetter(message.value!);
        const userId = Buffer.from(letter.key!, 'base64').toString();
        expect(UNREADABLE.has(userId)).toBe(true);
        expect(message.key!.toString()).toBe(userId);
        expect(letter.code).toBe('unreadable_state');
        expect(letter.reason).toContain(userId);
        expect(letter.reason).toContain(keys.userQuarantine(userId));
      }
      for (const [userId, bytes] of UNREADABLE) {
        await waitUntil(`${userId} quarantined`, async () => (await redis.exists(keys.userQuarantine(userId))) === 1, 20_000);
        expect(await redis.getBuffer(keys.userQuarantine(userId))).toEqual(bytes);
        expect(await redis.exists(keys.user(userId))).toBe(0);
      }

      const consumed = await readTopic(kafka, config.topics.clickstream, (all) => all.length >= events.length);
      const expected = replayExpected(config, vectors, consumed, (m) => (UNREADABLE.has(m.key!.toString()) ? undefined : decodeForReplay(m)));
      expect(expected.size).toBe(10);
      const store = createRedisUserStore(redis, keys);
      const got = await waitForFinalPositions(store, expected);
      for (const [id, want] of expected) expect(comparable(got.get(id))).toEqual(comparable(want));
    } finally {
      await runtime.close();
    }
  }, 120_000);
});

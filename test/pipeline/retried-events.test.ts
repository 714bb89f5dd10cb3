import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createKafka } from '../../src/adapters/kafka/client.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import { sleep } from '../../src/lifecycle.ts';
import { startLearner } from '../../src/pipeline/compose.ts';
import { startApi } from '../../src/serving/api.ts';
import { privateBroker } from '../helpers/private-broker.ts';
import { comparable, decodeForReplay, makeEvents, publishModel, readTopic, replayExpected, waitForFinalPositions, type TopicMessage } from './support.ts';

const broker = await privateBroker('retried-events', {
  EMBEDDING_DIM: '8',
  LEARNER_INDEX_SNAPSHOT_DIR: 'off',
  API_INDEX_SNAPSHOT_DIR: 'off',
  CLICKSTREAM_PARTITIONS: '2',
  LEARNER_METRICS_PORT: '0',
  LEARNER_RETRY_MAX_MS: '1000',
  PORT: '0',
  API_KEY: 'k',
  HTTP_PROBE_INTERVAL_MS: '300',
  HTTP_PRODUCE_TIMEOUT_MS: '3000',
  HTTP_BODY_LIMIT_BYTES: String(32 * 1024 * 1024),
  // Covers one user's events in one request (200 here): a resent event is recognised.
  EVENT_ID_WINDOW: '256',
});
const { config, log } = broker;

interface Answer {
  status: number;
  body: { accepted?: string[]; unconfirmed?: string[]; notSent?: string[]; error?: string };
}

describe('POST /v1/events retried after the broker died mid-batch', () => {
  it('every event is applied once; the 503 names the events that reached Kafka', async () => {
    await broker.up();
    const kafka = createKafka(config, log);
    const vectors = await publishModel(kafka, config, log, 100);
    // 50 users x 200 events: a user's first events fall out of the 50-entry history long
    // before the retry resends them, so only the eventId can tell they were applied.
    // Long ids (~430 bytes an event) spread the 10,000 over ~9 chunks of 512 KiB, so the kill lands mid-request.
    const pad = (s: string) => s.padEnd(120, '.');
    const events = makeEvents(50, 200, 100).map((e) => ({ ...e, eventId: pad(e.eventId), userId: pad(e.userId), sessionId: pad(`s-${e.userId}`) }));
    const api = await startApi(config, log);
    const admin = kafka.admin();
    await admin.connect();
    const post = async (): Promise<Answer> => {
      const res = await fetch(`${api.address}/v1/events`, {
        method: 'POST',
        headers: { 'x-api-key': 'k', 'content-type': 'application/json' },
        body: JSON.stringify(events),
      });
      return { status: res.status, body: (await res.json()) as Answer['body'] };
    };
    try {
      // Kill the broker once the first chunks are in the topic, while the request goes on.
      let settled = false;
      const first = post().finally(() => (settled = true));
      for (;;) {
        const offsets = await admin.fetchTopicOffsets(config.topics.clickstream);
        if (offsets.reduce((n, p) => n + Number(p.high), 0) > 0 || settled) break;
        await sleep(5);
      }
      await admin.disconnect();
      await broker.kill();
      const failed = await first;
      expect(failed.status, JSON.stringify(failed.body).slice(0, 300)).toBe(503);

      await broker.up();
      // What the failed attempt left in the topic, counted before any retry adds to it: a retry
      // may fail half-way too (e.g. the broker refusing the producer's sequence after its restart,
      // until the producer is replaced) and leave records of its own.
      const firstAdmin = kafka.admin();
      await firstAdmin.connect();
      const firstAttempt = (await firstAdmin.fetchTopicOffsets(config.topics.clickstream)).reduce((n, p) => n + Number(p.high), 0);
      await firstAdmin.disconnect();
      // The client retries the whole request until it is accepted.
      // Bounded by time, not attempts: a restarted broker on a loaded 2-core machine can take a minute.
      let answer: Answer = failed;
      const retryUntil = Date.now() + 150_000;
      for (let attempt = 0; answer.status !== 202; attempt++) {
        if (attempt > 0) await sleep(500);
        answer = await post();
        expect(Date.now(), `still ${answer.status} after ${attempt + 1} retries`).toBeLessThan(retryUntil);
      }
      expect(answer.body.accepted).toHaveLength(events.length);

      // Every event is in the topic at least once (the accepted attempt wrote them all).
      const wanted = new Set(events.map((e) => e.eventId));
      const found = new Set<string>();
      let scanned = 0;
      const consumed = await readTopic(kafka, config.topics.clickstream, (all) => {
        for (; scanned < all.length; scanned++) {
          const id = decodeForReplay(all[scanned]!.message)!.eventId;
          if (wanted.has(id)) found.add(id);
        }
        return found.size === wanted.size;
      });
      // What reached Kafka in the failed attempt: the acknowledged chunks, maybe part of the one in flight.
      // The kill came after the first records were in the topic; whether their acknowledgement
      // reached the API first is a race, so they are accepted or unconfirmed, never notSent.
      expect(failed.body.accepted!.length + failed.body.unconfirmed!.length).toBeGreaterThan(0);
      expect(failed.body.accepted!.length).toBeLessThan(events.length);
      expect(firstAttempt).toBeGreaterThanOrEqual(failed.body.accepted!.length);
      expect(firstAttempt).toBeLessThanOrEqual(failed.body.accepted!.length + failed.body.unconfirmed!.length);
      expect(failed.body.accepted!.length + failed.body.unconfirmed!.length + failed.body.notSent!.length).toBe(events.length);

      // The reference: each eventId applied once, at its first position in the topic.
      const ordered = [...consumed].sort((a, b) => a.partition - b.partition || Number(a.message.offset) - Number(b.message.offset));
      const seenIds = new Set<string>();
      const once: TopicMessage[] = [];
      for (const m of ordered) {
        const id = decodeForReplay(m.message)!.eventId;
        if (!seenIds.has(id)) once.push(m);
        seenIds.add(id);
      }
      expect(once).toHaveLength(events.length);
      const expected = replayExpected(config, vectors, once, decodeForReplay);

      const runtime = await startLearner(config, log);
      const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1 });
      try {
        const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));
        const got = await waitForFinalPositions(store, expected, 120_000);
        for (const [id, want] of expected) {
          expect(got.get(id)!.eventCount).toBe(200);
          expect(comparable(got.get(id))).toEqual(comparable(want));
        }
      } finally {
        await runtime.close();
        redis.disconnect();
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
      await api.close();
    }
  }, 300_000);
});

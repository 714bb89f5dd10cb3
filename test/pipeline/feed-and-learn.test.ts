import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRecommendationList } from '../../src/adapters/kafka/recommendations.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import { startLearner } from '../../src/pipeline/compose.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { comparable, decodeForReplay, learnerEnv, makeEvents, publishModel, readTopic, replayExpected, waitForFinalPositions } from './support.ts';
import { itemHash } from '../../src/core/item-hash.ts';

const ctx = await integrationSetup({ EMBEDDING_DIM: '8', LEARNER_INDEX_SNAPSHOT_DIR: 'off', CLICKSTREAM_PARTITIONS: '3', LEARNER_METRICS_PORT: '0' });

describe('(a) streamrec feed N events, one learner', () => {
  it('every user state reflects all its events exactly, and every user gets a list caused by its last event', async () => {
    const { config, kafka, redis, log } = ctx;
    const vectors = await publishModel(kafka, config, log, 200);
    const events = makeEvents(60, 25, 200);
    // One bad row in the file: counted and reported by feed, not produced.
    const dir = mkdtempSync(join(tmpdir(), 'streamrec-feed-'));
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, [...events.map((e) => JSON.stringify(e)), '{"eventId": "broken"'].join('\n'));

    const fed = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'feed', file, '--format', 'jsonl', '--encoding', 'msgpack'], {
      env: learnerEnv(config, { LOG_LEVEL: 'warn' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(fed.status, fed.stderr).toBe(0);
    expect(fed.stdout).toMatch(new RegExp(`produced ${events.length} events .* events/s.*1 bad rows`));

    const runtime = await startLearner(config, log);
    try {
      const consumed = await readTopic(kafka, config.topics.clickstream, (all) => all.length >= events.length);
      expect(consumed).toHaveLength(events.length);
      const expected = replayExpected(config, vectors, consumed, decodeForReplay);
      expect(expected.size).toBe(60);
      const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));
      const got = await waitForFinalPositions(store, expected);
      for (const [userId, want] of expected) {
        expect(want.eventCount).toBe(25);
        expect(comparable(got.get(userId))).toEqual(comparable(want));
      }
      const lastEventOf = new Map(events.map((e) => [e.userId, e.eventId]));
      const lists = await readTopic(kafka, config.topics.recommendations, (all) => {
        const latest = new Set(all.map((m) => decodeRecommendationList(m.message.value!)).filter((l) => lastEventOf.get(l.userId) === l.causedBy).map((l) => l.userId));
        return latest.size === lastEventOf.size;
      });
      for (const m of lists) {
        const list = decodeRecommendationList(m.message.value!);
        expect(list.items.length).toBe(config.model.k);
        const seen = new Set(got.get(list.userId)!.seen);
        // Lists are computed after the user's events of that batch: the final seen set
        // covers every item any of its lists could have excluded.
        if (lastEventOf.get(list.userId) === list.causedBy) expect(list.items.filter((i) => seen.has(itemHash(i.itemId)))).toEqual([]);
      }
      const metrics = await (await fetch(`http://${config.http.host}:${runtime.metricsPort}/metrics`)).text();
      const applied = Number(/^streamrec_events_applied_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1]);
      expect(applied).toBe(events.length);
      expect(metrics).toMatch(/streamrec_freshness_seconds_bucket/);
      expect(metrics).toMatch(/streamrec_consumer_lag\{[^}]*partition="0"/);
      // The blend served and each alternative's live hit rate (core/blend-choice.ts).
      expect(metrics).toMatch(/^streamrec_blend_session_weight\{[^}]*\} (10|30|100)$/m);
      const rates = [...metrics.matchAll(/^streamrec_blend_hit_rate\{[^}]*blend="([^"]+)"[^}]*\} (\S+)$/gm)];
      expect(rates.map((r) => r[1]).sort()).toEqual(['10', '100', '30', '30+last10', '30+last30']);
      for (const r of rates) expect(Number(r[2])).toSatisfy((v: number) => v >= 0 && v <= 1);
      const served = [...metrics.matchAll(/^streamrec_blend_served\{[^}]*blend="([^"]+)"[^}]*\} (\S+)$/gm)];
      expect(served.map((r) => Number(r[2])).sort()).toEqual([0, 0, 0, 0, 1]);
      // The index: every published vector, nothing waiting for a rebuild.
      expect(Number(/^streamrec_index_items\{[^}]*\} (\d+)$/m.exec(metrics)?.[1])).toBe(vectors.size);
      expect(metrics).toMatch(/^streamrec_index_stale_points\{[^}]*\} 0$/m);
      expect(metrics).toMatch(/^streamrec_index_rebuilds\{[^}]*\} \d+$/m);
    } finally {
      await runtime.close();
    }
  });
});

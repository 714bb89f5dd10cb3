import { createRedis } from '../../src/adapters/redis/client.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import type { Config } from '../../src/config.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { createLogger } from '../../src/log.ts';
import type { BenchContext, Headline, ResultTable } from '../lib/types.ts';
import { createClickstream } from '../lib/clickstream.ts';
import { createLearnerHarness } from '../lib/learner-harness.ts';
import { infoField, type ScratchRedis } from '../lib/redis-server.ts';
import { startRoundTripCounter } from '../lib/round-trips.ts';
import { distribution, sig } from '../lib/stats.ts';

export interface StoreMeasurement {
  headline: Headline[];
  tables: ResultTable[];
  notes: string[];
  data: Record<string, unknown>;
}

const BATCH_EVENTS = 500;
// Past config.model.historyCap (50): the capped history is what a returning user costs.
const EVENTS_PER_USER = 60;
const SAMPLE_USERS = 100;

/**
 * Bytes per user and round trips per batch, through the learner's own batch step and
 * the pipeline's Redis UserStateStore, on a private Redis reached through a counting relay.
 */
export async function measureUserStore(ctx: BenchContext, scratch: ScratchRedis): Promise<StoreMeasurement> {
  const users = ctx.quick ? 200 : 5000;
  const items = ctx.quick ? 2000 : 10_000;
  const relay = await startRoundTripCounter(scratch.port);
  const config: Config = { ...ctx.config, redis: { ...ctx.config.redis, url: `redis://127.0.0.1:${relay.port}`, keyPrefix: 'bench' } };
  const redis = await createRedis(config, createLogger('bench', 'silent'));
  try {
    const harness = createLearnerHarness(config, redis, items);
    const stream = createClickstream({ users, items, seed: 1, startTs: Date.now() - 3_600_000 });
    const info = async (section: string) => scratch.cli('INFO', section);
    // One batch of other users first: loads the Lua script, so its round trips are not counted.
    await harness.runBatch(1, Array.from({ length: 10 }, () => ({ ...stream.next(), userId: 'warmup' })));

    const memBefore = infoField(await info('memory'), 'used_memory');
    const cmdsBefore = infoField(await info('stats'), 'total_commands_processed');
    const roundTrips: number[] = [];
    let pending: ClickEvent[] = [];
    let batches = 0;
    let applied = 0;
    const started = performance.now();
    // Round-robin over users: each batch of 500 events touches 500 different users.
    for (let e = 0; e < EVENTS_PER_USER; e++) {
      for (let u = 0; u < users; u++) {
        pending.push(stream.next(u));
        if (pending.length === BATCH_EVENTS) {
          relay.reset();
          applied += (await harness.runBatch(0, pending)).applied;
          roundTrips.push(relay.roundTrips);
          batches++;
          pending = [];
        }
      }
      if (e % 10 === 9) ctx.progress(`redis: ${e + 1}/${EVENTS_PER_USER} events per user written`);
    }
    if (pending.length > 0) {
      relay.reset();
      applied += (await harness.runBatch(0, pending)).applied;
      roundTrips.push(relay.roundTrips);
      batches++;
    }
    const seconds = (performance.now() - started) / 1000;
    const commands = infoField(await info('stats'), 'total_commands_processed') - cmdsBefore - 1;
    const memAfter = infoField(await info('memory'), 'used_memory');
    const bytesPerUser = (memAfter - memBefore) / users;

    const keys = createRedisKeys(config.redis.keyPrefix);
    const keyBytes = async (userIds: string[]) => {
      let total = 0;
      for (const id of userIds) {
        for (const key of [keys.user(id), keys.userPosition(id)]) total += Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
      }
      return total / userIds.length;
    };
    const sample = Array.from({ length: Math.min(SAMPLE_USERS, users) }, (_, i) => `user-${i}`);
    const steadyKeyBytes = await keyBytes(sample);
    const steady = await harness.store.get(sample[0]!);

    // Worst case: history and seen at their caps (distinct items, more than seenCap of them).
    const capUsers = sample.slice(0, Math.min(20, sample.length));
    const distinct = config.model.seenCap + 20;
    for (const id of capUsers) {
      const events = Array.from({ length: distinct }, (_, j) => ({ ...stream.next(), userId: id, itemId: `item-${j % items}` }));
      for (let i = 0; i < events.length; i += BATCH_EVENTS) await harness.runBatch(0, events.slice(i, i + BATCH_EVENTS));
    }
    const capKeyBytes = await keyBytes(capUsers);
    const capped = await harness.store.get(capUsers[0]!);

    const rt = distribution(roundTrips);
    const eventsPerS = sig(applied / seconds);
    return {
      headline: [
        { label: `Redis bytes per active user (INFO used_memory delta, ${config.model.dim} dims, history ${steady?.history.length ?? '?'})`, value: Math.round(bytesPerUser), unit: 'bytes' },
        { label: `Redis round trips per ${BATCH_EVENTS}-event batch (learner processBatch)`, value: rt.p50, unit: `(max ${rt.max})` },
      ],
      tables: [
        {
          title: 'Redis memory per user (learner state written through src/adapters/redis/user-store.ts)',
          columns: ['profile', 'users', 'history entries', 'seen items', 'stored ranking entries', 'bytes/user, INFO used_memory Δ', 'bytes/user, MEMORY USAGE of its 2 keys'],
          rows: [
            [`${EVENTS_PER_USER} events each`, users, steady?.history.length ?? null, steady?.seen.length ?? null, steady?.pool?.hashes.length ?? 0, Math.round(bytesPerUser), Math.round(steadyKeyBytes)],
            [`${distinct} distinct items each (caps)`, capUsers.length, capped?.history.length ?? null, capped?.seen.length ?? null, capped?.pool?.hashes.length ?? 0, null, Math.round(capKeyBytes)],
          ],
        },
        {
          title: `Round trips per batch (${BATCH_EVENTS} events over ${Math.min(BATCH_EVENTS, users)} users, counted by a TCP relay)`,
          columns: ['batches', 'round trips p50', 'max', 'Redis commands per batch', 'events applied/s (batch step incl. recommend, Kafka sink stubbed)'],
          rows: [[batches, rt.p50, rt.max, sig(commands / batches), eventsPerS]],
        },
      ],
      notes: [
        `State per user: ${config.model.dim}-dim Float32 vector, history capped at ${config.model.historyCap}, seen capped at ${config.model.seenCap}; ids "user-N"/"item-N".`,
        'The relay counts a round trip each time the client writes after Redis has answered, so a pipeline written in one go counts once; the first (script-loading) batch is excluded.',
      ],
      data: { bytesPerUser, steadyKeyBytes, capKeyBytes, roundTrips: rt, commandsPerBatch: commands / batches, eventsPerS },
    };
  } finally {
    redis.disconnect();
    await relay.close();
  }
}

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createRedisKeys } from '../../../src/adapters/redis/keys.ts';
import { openPersistedTrending } from '../../../src/adapters/redis/trending-store.ts';
import { integrationSetup } from '../../helpers/integration.ts';

const ctx = await integrationSetup();
const log = pino({ level: 'silent' });

describe('persisted learner trending (real Redis)', () => {
  it('a restarted learner starts from the scores saved at stop', async () => {
    const keys = createRedisKeys(ctx.config.redis.keyPrefix);
    const first = await openPersistedTrending(ctx.redis, keys, 'g1', 3_600_000, log);
    expect(first.trending.size).toBe(0);
    first.trending.add('hot', 1_750_000_000_000, 8);
    first.trending.add('warm', 1_750_000_000_000, 2);
    await first.stop();
    const second = await openPersistedTrending(ctx.redis, keys, 'g1', 3_600_000, log);
    expect(second.trending.top(2).map((t) => t.itemId)).toEqual(['hot', 'warm']);
    expect(second.trending.score('hot')).toBeCloseTo(first.trending.score('hot'), 9);
    await second.stop();
    // Another half-life makes the saved scores meaningless: start empty instead.
    const other = await openPersistedTrending(ctx.redis, keys, 'g1', 60_000, log);
    expect(other.trending.size).toBe(0);
    await other.stop();
  });
});

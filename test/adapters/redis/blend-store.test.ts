import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadBlend, startBlendSaver } from '../../../src/adapters/redis/blend-store.ts';
import { createRedisKeys } from '../../../src/adapters/redis/keys.ts';
import { createBlendChooser, DEFAULT_BLEND_CHOICE } from '../../../src/core/blend-choice.ts';
import { integrationSetup } from '../../helpers/integration.ts';

const ctx = await integrationSetup();

function capturingLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

describe('persisted blend choice (real Redis)', () => {
  it('a restarted learner carries on from the credits saved at stop; nothing saved, nothing restored', async () => {
    const keys = createRedisKeys(ctx.config.redis.keyPrefix);
    const { log } = capturingLog();
    expect(await loadBlend(ctx.redis, keys, 'g-blend', DEFAULT_BLEND_CHOICE, log)).toBeUndefined();
    const chooser = createBlendChooser(DEFAULT_BLEND_CHOICE);
    for (let i = 0; i < 20; i++) chooser.credit([[], [], [i], [], []], i);
    const saver = startBlendSaver(ctx.redis, keys, 'g-blend', () => chooser.snapshot(), log);
    await saver.stop();
    const restored = await loadBlend(ctx.redis, keys, 'g-blend', DEFAULT_BLEND_CHOICE, log);
    expect(restored).toEqual(chooser.snapshot());
    expect(createBlendChooser(DEFAULT_BLEND_CHOICE, 1, restored).chosen).toBe(2);
  });

  it('a record that does not fit is ignored with the reason, and the next save replaces it', async () => {
    const keys = createRedisKeys(ctx.config.redis.keyPrefix);
    const { log, lines } = capturingLog();
    await ctx.redis.set(keys.learnerBlend('g-bad'), 'not msgpack of a snapshot');
    expect(await loadBlend(ctx.redis, keys, 'g-bad', DEFAULT_BLEND_CHOICE, log)).toBeUndefined();
    const other = { ...DEFAULT_BLEND_CHOICE, sessionWeights: [5, 50] };
    const chooser = createBlendChooser(other);
    chooser.credit([[1], []], 1);
    await startBlendSaver(ctx.redis, keys, 'g-bad', () => chooser.snapshot(), log).stop();
    expect(await loadBlend(ctx.redis, keys, 'g-bad', DEFAULT_BLEND_CHOICE, log)).toBeUndefined();
    const reasons = lines.filter((l) => l.msg === 'saved blend choice ignored; starting from the default blend (the next save replaces it)').map((l) => l.reason);
    expect(reasons).toEqual(['not a streamrec blend snapshot (version 1)', 'saved for session weights [5,50], this model chooses between [10,30,100,30,30]']);
    // The key goes with the model on `streamrec reset`.
    expect(keys.learnerBlend('g-bad').startsWith(`${ctx.config.redis.keyPrefix}:{model}:`)).toBe(true);
  });
});

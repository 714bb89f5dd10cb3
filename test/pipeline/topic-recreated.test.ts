import { describe, expect, it } from 'vitest';
import { createClickstreamProducer } from '../../src/adapters/kafka/clickstream-producer.ts';
import { deleteTopics, ensureTopics } from '../../src/adapters/kafka/topics.ts';
import { createRedisKeys } from '../../src/adapters/redis/keys.ts';
import { createRedisUserStore } from '../../src/adapters/redis/user-store.ts';
import { resetLearnedState } from '../../src/cli/reset-action.ts';
import type { Config } from '../../src/config.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { startLearner } from '../../src/pipeline/compose.ts';
import { integrationSetup } from '../helpers/integration.ts';
import { publishModel, waitUntil } from './support.ts';

const ctx = await integrationSetup({
  EMBEDDING_DIM: '8',
  CLICKSTREAM_PARTITIONS: '1',
  LEARNER_INDEX_SNAPSHOT_DIR: 'off',
  API_INDEX_SNAPSHOT_DIR: 'off',
  LEARNER_METRICS_PORT: '0',
  ON_TOPIC_CHANGE: 'restart',
});
const { config, kafka, redis, log } = ctx;
const store = createRedisUserStore(redis, createRedisKeys(config.redis.keyPrefix));

let seq = 0;
async function produce(n: number): Promise<void> {
  const events: ClickEvent[] = Array.from({ length: n }, () => {
    const i = seq++;
    return { eventId: `ev-${i}`, userId: 'ann', itemId: `item-${i % 20}`, type: 'click', ts: Date.now() - 60_000 + i };
  });
  const producer = await createClickstreamProducer(kafka, config, log);
  await producer.send(events);
  await producer.close();
}

async function recreateClickstream(): Promise<void> {
  await deleteTopics(kafka, [config.topics.clickstream]);
  await waitUntil('the topic to be gone', async () => !(await kafka.admin().listTopics().catch(() => [config.topics.clickstream])).includes(config.topics.clickstream), 30_000);
  await ensureTopics(kafka, config, [config.topics.clickstream], log);
}

/** Runs a learner until ann's state has `eventCount` events, then stops it. */
async function learnUntil(cfg: Config, eventCount: number): Promise<void> {
  const runtime = await startLearner(cfg, log);
  try {
    await waitUntil(`ann at ${eventCount} events`, async () => (await store.get('ann'))?.eventCount === eventCount, 60_000);
  } finally {
    await runtime.close();
  }
}

describe('the clickstream topic deleted and created again under the same name', () => {
  it('restart applies the new events on top; refuse stops the learner saying what to run; reset clears for a fresh start', async () => {
    await publishModel(kafka, config, log, 20);
    await produce(30);
    await learnUntil(config, 30);
    const before = (await store.get('ann'))!;
    expect(before.position).toMatchObject({ partition: 0, offset: 29 });

    // Topic B: offsets start at 0 again, below ann's stored 29.
    await recreateClickstream();
    await produce(5);
    await learnUntil(config, 35);
    const after = (await store.get('ann'))!;
    expect(after.position).toMatchObject({ partition: 0, offset: 4 });
    expect(after.position!.topic).not.toBe(before.position!.topic);

    // Topic C under refuse: nothing applied, the learner stops with one line saying what to run.
    await recreateClickstream();
    await produce(3);
    const refuse: Config = { ...config, learner: { ...config.learner, onTopicChange: 'refuse' } };
    let fatal: Error | undefined;
    const runtime = await startLearner(refuse, log, { onFatal: (err) => (fatal = err) });
    try {
      await waitUntil('the learner to refuse', async () => fatal !== undefined, 60_000);
    } finally {
      await runtime.close();
    }
    expect(fatal).toMatchObject({ code: 'TOPIC_CHANGED', retryable: false });
    expect(fatal!.message).toMatch(/deleted and created again/);
    expect((fatal as { hint?: string }).hint).toMatch(/streamrec reset --yes/);
    expect((await store.get('ann'))!.eventCount).toBe(35);

    // After a reset the same refusing learner starts ann afresh from topic C's events.
    const reset = await resetLearnedState(config, log);
    expect(reset.users).toBeGreaterThanOrEqual(1);
    expect(await store.get('ann')).toBeUndefined();
    await learnUntil(refuse, 3);
  }, 240_000);
});

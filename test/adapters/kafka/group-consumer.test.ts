import type { EachBatchPayload, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createGroupConsumer, type GroupBatch } from '../../../src/adapters/kafka/group-consumer.ts';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/log.ts';

/**
 * A kafkajs consumer reduced to what the adapter calls, with kafkajs's pause semantics: the
 * paused set belongs to the consumer, not to a batch or an assignment, so it outlives both.
 */
function fakeKafka() {
  const paused = new Set<number>();
  let eachBatch: ((p: EachBatchPayload) => Promise<void>) | undefined;
  const consumer = {
    events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
    on: () => () => undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (c: { eachBatch: (p: EachBatchPayload) => Promise<void> }) => {
      eachBatch = c.eachBatch;
    },
    disconnect: async () => undefined,
  };
  const deliver = (partition: number, opts: { heartbeatError?: unknown; running?: boolean } = {}): Promise<void> => {
    if (!eachBatch) throw new Error('not running');
    const payload = {
      batch: { topic: 't', partition, messages: [], highWatermark: '0', lastOffset: () => '0', offsetLag: () => '0' },
      pause: () => {
        paused.add(partition);
        return () => paused.delete(partition);
      },
      resolveOffset: () => undefined,
      commitOffsetsIfNecessary: async () => undefined,
      heartbeat: async () => {
        if (opts.heartbeatError !== undefined) throw opts.heartbeatError;
      },
      isRunning: () => opts.running ?? true,
      isStale: () => false,
    };
    return eachBatch(payload as unknown as EachBatchPayload);
  };
  return { kafka: { consumer: () => consumer } as unknown as Kafka, paused, deliver };
}

async function startWith(handler: (batch: GroupBatch) => Promise<void>) {
  const fake = fakeKafka();
  const consumer = createGroupConsumer(fake.kafka, loadConfig({}), createLogger('test', 'silent'), {
    name: 'test',
    groupId: 'g',
    topic: 't',
    fromBeginning: true,
    maxWaitTimeInMs: 50,
    commitsByHand: true,
    eachBatch: handler,
  });
  await consumer.start();
  return fake;
}

describe('group consumer pauses', () => {
  it('hold while the handler runs and end with it, also when it gives the batch up', async () => {
    const seen: boolean[] = [];
    const fake = await startWith(async (batch) => {
      batch.pause();
      seen.push(fake.paused.has(batch.partition));
      if (batch.partition === 1) throw new Error('batch abandoned (rebalanced)');
    });
    await fake.deliver(0);
    await expect(fake.deliver(1)).rejects.toThrow(/abandoned/);
    expect(seen).toEqual([true, true]);
    // Left paused, kafkajs would never fetch the partition again, even after a rejoin hands it back.
    expect([...fake.paused]).toEqual([]);
  });

  it('a resume the handler called stays done; a resume kept past its batch cannot undo a later pause', async () => {
    let kept: (() => void) | undefined;
    const fake = await startWith(async (batch) => {
      if (kept === undefined) {
        kept = batch.pause();
        kept();
        expect(fake.paused.has(batch.partition)).toBe(false);
        return;
      }
      batch.pause();
      kept();
      expect(fake.paused.has(batch.partition)).toBe(true);
    });
    await fake.deliver(0);
    await fake.deliver(0);
    expect([...fake.paused]).toEqual([]);
  });
});

describe('group consumer after a heartbeat met a rebalance', () => {
  // kafkajs rejoins at once only for the broker's rebalance errors; any other error from the
  // handler has it fetch again, with its old generation, under its own retry and backoff.
  const rebalancing = Object.assign(new Error('The group is rebalancing, so a rejoin is needed'), { type: 'REBALANCE_IN_PROGRESS' });

  it("hands kafkajs the broker's error in place of the handler's, whether it threw or returned", async () => {
    const fake = await startWith(async (batch) => {
      await batch.heartbeat().catch(() => undefined);
      if (batch.partition === 1) throw new Error('batch abandoned (rebalanced)');
    });
    await expect(fake.deliver(0, { heartbeatError: rebalancing })).rejects.toBe(rebalancing);
    await expect(fake.deliver(1, { heartbeatError: rebalancing })).rejects.toBe(rebalancing);
  });

  it("keeps the handler's outcome for other heartbeat errors and while stopping", async () => {
    const fake = await startWith(async (batch) => {
      await batch.heartbeat().catch(() => undefined);
      if (batch.partition === 1) throw new Error('abandoned');
    });
    await expect(fake.deliver(0, { heartbeatError: new Error('Connection error') })).resolves.toBeUndefined();
    await expect(fake.deliver(0, { heartbeatError: rebalancing, running: false })).resolves.toBeUndefined();
    await expect(fake.deliver(1, { heartbeatError: rebalancing, running: false })).rejects.toThrow('abandoned');
  });
});

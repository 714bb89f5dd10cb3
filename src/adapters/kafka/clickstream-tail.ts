import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { ClickEvent } from '../../core/events.ts';
import { createTurns } from '../../lifecycle.ts';
import type { Logger } from '../../log.ts';
import type { KafkaClient } from './client.ts';
import { decodeEvent } from './codec.ts';
import { createGroupConsumer } from './group-consumer.ts';
import { readPartitionOffsets } from './offsets.ts';

export interface ClickstreamTail {
  readonly eventsSeen: number;
  /**
   * True once every partition was read up to the high watermark it had at start: the lookback
   * is replayed and what is read from here on is live.
   */
  readonly caughtUp: boolean;
  /** Resolves once caught up, or when `timeoutMs` passes or the tail stops first. */
  whenCaughtUp(timeoutMs: number): Promise<CatchUp>;
  stop(): Promise<void>;
}

export type CatchUp = 'caught-up' | 'timeout' | 'stopped';

export interface ClickstreamTailOptions {
  /** For logs: what the tail feeds. */
  name: string;
  /** Starts this far back in broker time, so a restarted process has its recent view again. */
  lookbackMs: number;
  /**
   * Every readable event of every partition, in partition order, with where it was read
   * (undecodable ones are skipped: the learner dead-letters them).
   */
  onEvent: (event: ClickEvent, partition: number, offset: number) => void;
  /** Each partition's high watermark as the tail starts, before any event (read once, for the catch-up too). */
  onStart?: (highWatermarks: ReadonlyMap<number, number>) => void;
}

/**
 * Tails the whole clickstream (every partition) in a group of its own, nothing committed, for
 * state every process derives from all events and may approximate: trending popularity and the
 * session-neighbour index. A few events missed or seen twice around a restart shift scores
 * slightly and nothing else, so there is no exactly-once bookkeeping here.
 */
export async function startClickstreamTail(kafka: KafkaClient, config: Config, log: Logger, options: ClickstreamTailOptions): Promise<ClickstreamTail> {
  const topic = config.topics.clickstream;
  let eventsSeen = 0;
  const starts = await readPartitionOffsets(kafka, config, topic, Date.now() - options.lookbackMs);
  // Partition → the last offset the lookback holds (high watermark at start − 1); a partition
  // leaves when a batch reaches it. Partitions with nothing in the lookback have nothing to replay.
  const behind = new Map<number, number>();
  for (const s of starts) if (s.at !== undefined && s.at >= 0 && s.at < s.high) behind.set(s.partition, s.high - 1);
  options.onStart?.(new Map(starts.map((s) => [s.partition, s.high])));
  const startedMs = Date.now();
  const waiters = new Set<(outcome: CatchUp) => void>();
  const settle = (outcome: CatchUp) => {
    for (const w of waiters) w(outcome);
    waiters.clear();
  };
  const consumer = createGroupConsumer(kafka, config, log, {
    name: options.name,
    groupId: `${config.kafka.clientId}-tail-${randomUUID()}`,
    topic,
    fromBeginning: false,
    maxWaitTimeInMs: 250,
    commitsByHand: false,
    eachBatch: async (batch) => {
      // A fetch of the lookback holds thousands of events: requests get a turn between them.
      const turn = createTurns();
      for (const m of batch.messages) {
        // Per event: await only when a turn is due (an await of nothing still costs a microtask hop).
        const due = turn();
        if (due) {
          await due;
          // A stop during the turn: the rest of a long lookback fetch is not waited for.
          if (!batch.isRunning()) return;
        }
        const decoded = decodeEvent(m.key, m.value, { maxBytes: config.learner.maxEventBytes });
        if (!decoded.ok) continue;
        options.onEvent(decoded.event, batch.partition, Number(m.offset));
        eventsSeen++;
      }
      // lastOffset, not the last message's: it counts records the batch filtered out (control records).
      const target = behind.get(batch.partition);
      if (target !== undefined && Number(batch.lastOffset()) >= target) {
        behind.delete(batch.partition);
        if (behind.size === 0) {
          log.info({ feeds: options.name, events: eventsSeen, ms: Date.now() - startedMs }, 'clickstream tail caught up with its lookback');
          settle('caught-up');
        }
      }
    },
  });
  await consumer.start();
  // at -1 means nothing that recent: the consumer then starts at the end, which is right.
  for (const s of starts) if (s.at !== undefined && s.at >= 0) consumer.seek(s.partition, String(s.at));
  log.info({ topic, lookbackMs: options.lookbackMs, feeds: options.name }, 'clickstream tail started');
  return {
    get eventsSeen() {
      return eventsSeen;
    },
    get caughtUp() {
      return behind.size === 0;
    },
    whenCaughtUp(timeoutMs) {
      if (behind.size === 0) return Promise.resolve('caught-up');
      return new Promise<CatchUp>((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(done);
          resolve('timeout');
        }, timeoutMs);
        timer.unref();
        const done = (outcome: CatchUp) => {
          clearTimeout(timer);
          resolve(outcome);
        };
        waiters.add(done);
      });
    },
    async stop() {
      settle('stopped');
      await consumer.stop();
    },
  };
}

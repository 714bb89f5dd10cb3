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
  stop(): Promise<void>;
}

export interface ClickstreamTailOptions {
  /** For logs: what the tail feeds. */
  name: string;
  /** Starts this far back in broker time, so a restarted process has its recent view again. */
  lookbackMs: number;
  /** Every readable event of every partition, in partition order (undecodable ones are skipped: the learner dead-letters them). */
  onEvent: (event: ClickEvent) => void;
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
        if (due) await due;
        const decoded = decodeEvent(m.key, m.value, { maxBytes: config.learner.maxEventBytes });
        if (!decoded.ok) continue;
        options.onEvent(decoded.event);
        eventsSeen++;
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
    stop: () => consumer.stop(),
  };
}

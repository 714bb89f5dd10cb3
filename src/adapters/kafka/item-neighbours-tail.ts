import type { Kafka } from 'kafkajs';
import type { Config } from '../../config.ts';
import type { NeighbourTable } from '../../core/neighbour-table.ts';
import { StreamrecError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { createCompactedTail, type CompactedTail } from './compacted-tail.ts';
import { decodeItemNeighbours } from './item-neighbours.ts';

export interface ItemNeighboursTailStats {
  upserts: number;
  removals: number;
  invalid: number;
}

export interface ItemNeighboursTail extends CompactedTail {
  readonly stats: Readonly<ItemNeighboursTailStats>;
}

/**
 * Keeps `table` current from the compacted item-neighbours topic; bad records are skipped and
 * counted. start() waits for the catch-up as long as the item-embeddings tail would
 * (CATCH_UP_TIMEOUT_MS), but past that it only warns and goes on tailing: the rules are a
 * second candidate source, and the process serves from the search meanwhile.
 */
export function createItemNeighboursTail(
  kafka: Kafka,
  config: Config,
  table: NeighbourTable,
  log: Logger,
  /** follow false: a one-shot reader, which stops once caught up (CompactedTailSpec.follow). */
  options: { follow?: boolean } = {},
): ItemNeighboursTail {
  const topic = config.topics.itemNeighbours;
  const stats: ItemNeighboursTailStats = { upserts: 0, removals: 0, invalid: 0 };
  const tail = createCompactedTail(kafka, config, log, {
    topic,
    name: 'neighbour-tail',
    decode: decodeItemNeighbours,
    follow: options.follow,
    apply(change) {
      if (change.kind === 'upsert') {
        table.apply(change.record);
        stats.upserts++;
      } else if (change.kind === 'remove') {
        table.remove(change.itemId);
        stats.removals++;
      } else {
        stats.invalid++;
        log.warn({ reason: change.reason }, 'invalid item-neighbours message skipped');
      }
    },
  });
  return {
    get caughtUp() {
      return tail.caughtUp;
    },
    positions: () => tail.positions(),
    stats,
    async start() {
      try {
        await tail.start();
        log.info({ topic, rules: table.rows, ...stats }, 'item-neighbours tail caught up');
      } catch (err) {
        if (!(err instanceof StreamrecError) || err.code !== 'TIMEOUT') throw err;
        log.warn({ topic, err: err.message, rules: table.rows }, 'co-visitation rules not caught up; serving without the rest of them until the tail catches up');
      }
    },
    stop: () => tail.stop(),
  };
}

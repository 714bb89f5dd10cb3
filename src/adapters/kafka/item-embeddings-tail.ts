import type { Kafka } from 'kafkajs';
import type { Config } from '../../config.ts';
import type { AnnIndex } from '../../core/ann-index.ts';
import type { Logger } from '../../log.ts';
import { createCompactedTail, type CompactedTail } from './compacted-tail.ts';
import { decodeItemEmbedding } from './item-embeddings.ts';
import type { ItemEmbeddingChange } from '../../core/ports.ts';
import type { Vector } from '../../core/vector.ts';

export interface ItemEmbeddingsTailStats {
  upserts: number;
  removals: number;
  invalid: number;
}

/** start() resolves once the index holds everything the topic held at start (CompactedTail). */
export interface ItemEmbeddingsTail extends CompactedTail {
  readonly stats: Readonly<ItemEmbeddingsTailStats>;
}

export interface ItemEmbeddingsTailOptions {
  /** Called after each change reached the index (the learner uses it for metrics). */
  onChange?: (change: ItemEmbeddingChange) => void;
  /** False: a one-shot reader, which stops once caught up (CompactedTailSpec.follow). */
  follow?: boolean;
}

/**
 * Keeps `index` current from the compacted item-embeddings topic: adds, updates and
 * removals (tombstones); vectors of the wrong dimension and bad records are skipped and counted.
 */
export function createItemEmbeddingsTail(
  kafka: Kafka,
  config: Config,
  index: AnnIndex,
  log: Logger,
  options: ItemEmbeddingsTailOptions = {},
): ItemEmbeddingsTail {
  const topic = config.topics.itemEmbeddings;
  const stats: ItemEmbeddingsTailStats = { upserts: 0, removals: 0, invalid: 0 };

  const apply = (change: ItemEmbeddingChange): void => {
    if (change.kind === 'upsert') {
      if (change.record.vector.length !== index.dim) {
        stats.invalid++;
        log.warn({ itemId: change.record.itemId, dim: change.record.vector.length, expected: index.dim }, 'item vector has the wrong dimension; skipped');
        return;
      }
      index.upsert(change.record.itemId, change.record.vector);
      stats.upserts++;
    } else if (change.kind === 'remove') {
      index.remove(change.itemId);
      stats.removals++;
    } else {
      stats.invalid++;
      log.warn({ reason: change.reason }, 'invalid item-embeddings message skipped');
    }
    options.onChange?.(change);
  };

  // A run's upserts reach the index together (a refit's run moves data and rebuilds the graph
  // later, HnswIndex.upsertMany; a later vector of an id replaces an earlier one in the run); a
  // removal or a bad record ends the run, so order is kept.
  const applyMany = (changes: ItemEmbeddingChange[]): void => {
    const run = new Map<string, Vector>();
    const ran: ItemEmbeddingChange[] = [];
    const flush = () => {
      if (run.size > 0) index.upsertMany(run);
      stats.upserts += ran.length;
      for (const c of ran) options.onChange?.(c);
      run.clear();
      ran.length = 0;
    };
    for (const change of changes) {
      if (change.kind === 'upsert' && change.record.vector.length === index.dim) {
        run.set(change.record.itemId, change.record.vector);
        ran.push(change);
        continue;
      }
      flush();
      apply(change);
    }
    flush();
  };

  const tail = createCompactedTail(kafka, config, log, { topic, name: 'item-tail', decode: decodeItemEmbedding, apply, applyMany, follow: options.follow });
  return {
    get caughtUp() {
      return tail.caughtUp;
    },
    positions: () => tail.positions(),
    stats,
    async start() {
      await tail.start();
      log.info({ topic, items: index.size, ...stats }, 'item-embeddings tail caught up');
    },
    stop: () => tail.stop(),
  };
}

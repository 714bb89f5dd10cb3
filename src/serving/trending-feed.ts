import type { KafkaClient } from '../adapters/kafka/client.ts';
import { startClickstreamTail, type CatchUp } from '../adapters/kafka/clickstream-tail.ts';
import type { Config } from '../config.ts';
import type { ClickEvent } from '../core/events.ts';
import type { SessionNeighbours } from '../core/session-neighbours.ts';
import { createTrending, type Trending } from '../core/trending.ts';
import { createFirstSeen, DEFAULT_USERS_PER_GENERATION, type FirstSeen, type FirstSeenSnapshot } from '../core/first-seen.ts';
import { createColdChoice, DEFAULT_COLD_CHOICE, type ColdChoice, type ColdChoiceParams, type ColdRestore } from '../core/cold-choice.ts';
import type { Logger } from '../log.ts';

export interface TrendingFeed {
  /** The process's own copy: recommend falls back to it even when Redis and Kafka are down. */
  readonly trending: Trending;
  /** The popularity horizons cold users may be served from (cold-choice.ts), fed by the same events. */
  readonly cold: ColdChoice;
  readonly eventsSeen: number;
  /**
   * The cold choice to save, with the offsets it holds the events below: a successor restores
   * it and skips those events (its lookback reads them again), so each is counted once.
   */
  coldSnapshot(itemsPerHorizon: number): ColdRestore;
  /** The users the entry trackers have seen (ColdRestore.users), saved apart and less often (cold-store.ts). */
  usersSnapshot(): FirstSeenSnapshot;
  /** Resolves once the lookback is replayed, or when `timeoutMs` passes or the feed stops first (clickstream-tail.ts). */
  whenCaughtUp(timeoutMs: number): Promise<CatchUp>;
  stop(): Promise<void>;
}

/**
 * Keeps an in-process trending copy (and, when given, the session-neighbour index) by tailing
 * the clickstream, starting `lookbackMs` back in broker time so a restarted API has popular
 * items and recent sessions again within seconds (clickstream-tail.ts).
 */
export async function startTrendingFeed(
  kafka: KafkaClient,
  config: Config,
  log: Logger,
  lookbackMs: number,
  sessions?: SessionNeighbours,
  /** Every event the tail reads, after trending and sessions took it (the recommender's blend feedback). */
  onEvent?: (event: ClickEvent) => void,
  coldChoice: ColdChoiceParams = DEFAULT_COLD_CHOICE,
  /** A predecessor's cold choice (its longer horizons hold far more than the lookback); without it they start from the lookback. */
  restoredCold?: ColdRestore,
): Promise<TrendingFeed> {
  const trending = createTrending(config.model.trendingHalfLifeMs);
  // Replaced at the tail's start (before any event) by the restored choice when it fits the topic.
  let cold = createColdChoice(coldChoice, () => trending, config.model.trendingHalfLifeMs);
  // Per partition: events below this offset are in the restored horizons already; then, the offset after the last event read.
  const skipBelow = new Map<number, number>();
  const nextOffsets = new Map<number, number>();
  const weights = config.model.weights;
  // Whose events are their first: what the cold choice's entry trackers count (the model knows
  // it from the user's state; this process reads events only). Made once, when the tail knows
  // the partitions' ends (onStart runs before any event and before startClickstreamTail
  // returns): restored with the cold choice (the users a predecessor remembered, from before the
  // lookback too) or empty, and fed every event read, below the restored offsets too, so users
  // of the lookback are remembered either way.
  let firstSeen: FirstSeen | undefined;
  const tail = await startClickstreamTail(kafka, config, log, {
    name: sessions ? 'trending and sessions feed' : 'trending feed',
    lookbackMs,
    onStart: (ends) => {
      const restore = restoredCold !== undefined && coldRestoreFits(restoredCold, ends, log) ? restoredCold : undefined;
      firstSeen = createFirstSeen(DEFAULT_USERS_PER_GENERATION, restore?.users);
      if (restore === undefined) return;
      cold = createColdChoice(coldChoice, () => trending, config.model.trendingHalfLifeMs, restore.snapshot);
      for (const [partition, next] of restore.nextOffsets) {
        skipBelow.set(partition, next);
        nextOffsets.set(partition, next);
      }
      log.info({ halfLifeMs: cold.state.halfLifeMs, entry: cold.state.entry, credited: Math.round(restore.snapshot.credited), usersRemembered: firstSeen.size }, 'cold-user choice restored from Redis');
    },
    onEvent: (event, partition, offset) => {
      const weight = weights[event.type];
      const entry = firstSeen!.first(event.userId);
      if (weight > 0) {
        trending.add(event.itemId, event.ts, weight);
        if (offset >= (skipBelow.get(partition) ?? 0)) cold.add(event.itemId, event.ts, weight, entry);
        sessions?.observe(event.userId, event.itemId);
      }
      if (offset + 1 > (nextOffsets.get(partition) ?? 0)) nextOffsets.set(partition, offset + 1);
      onEvent?.(event);
    },
  });
  return {
    trending,
    cold,
    get eventsSeen() {
      return tail.eventsSeen;
    },
    coldSnapshot: (itemsPerHorizon) => ({ snapshot: cold.snapshot(itemsPerHorizon), nextOffsets: new Map(nextOffsets) }),
    usersSnapshot: () => firstSeen!.snapshot(),
    whenCaughtUp: (timeoutMs) => tail.whenCaughtUp(timeoutMs),
    stop: () => tail.stop(),
  };
}

/**
 * A saved cold choice fits this clickstream when no offset it holds events below is past the
 * partition's end: otherwise the topic was recreated, and skipping up to those offsets would drop
 * new events.
 */
function coldRestoreFits(restored: ColdRestore, ends: ReadonlyMap<number, number>, log: Logger): boolean {
  for (const [partition, next] of restored.nextOffsets) {
    const end = ends.get(partition);
    if (end === undefined || next > end) {
      log.warn({ partition, savedOffset: next, partitionEnd: end ?? null }, 'saved cold-user choice is ahead of the clickstream (topic recreated?); not restored');
      return false;
    }
  }
  return true;
}

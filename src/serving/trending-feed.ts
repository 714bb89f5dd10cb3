import type { KafkaClient } from '../adapters/kafka/client.ts';
import { startClickstreamTail, type CatchUp } from '../adapters/kafka/clickstream-tail.ts';
import type { Config } from '../config.ts';
import type { ClickEvent } from '../core/events.ts';
import type { SessionNeighbours } from '../core/session-neighbours.ts';
import { createTrending, type Trending } from '../core/trending.ts';
import { createColdChoice, DEFAULT_COLD_CHOICE, type ColdChoice, type ColdChoiceParams } from '../core/cold-choice.ts';
import type { Logger } from '../log.ts';

export interface TrendingFeed {
  /** The process's own copy: recommend falls back to it even when Redis and Kafka are down. */
  readonly trending: Trending;
  /** The popularity horizons cold users may be served from (cold-choice.ts), fed by the same events. */
  readonly cold: ColdChoice;
  readonly eventsSeen: number;
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
): Promise<TrendingFeed> {
  const trending = createTrending(config.model.trendingHalfLifeMs);
  // Its longer horizons hold only what the tail read: `lookbackMs` at start, then everything.
  const cold = createColdChoice(coldChoice, () => trending, config.model.trendingHalfLifeMs);
  const weights = config.model.weights;
  const tail = await startClickstreamTail(kafka, config, log, {
    name: sessions ? 'trending and sessions feed' : 'trending feed',
    lookbackMs,
    onEvent: (event) => {
      const weight = weights[event.type];
      if (weight > 0) {
        trending.add(event.itemId, event.ts, weight);
        cold.add(event.itemId, event.ts, weight);
        sessions?.observe(event.userId, event.itemId);
      }
      onEvent?.(event);
    },
  });
  return {
    trending,
    cold,
    get eventsSeen() {
      return tail.eventsSeen;
    },
    whenCaughtUp: (timeoutMs) => tail.whenCaughtUp(timeoutMs),
    stop: () => tail.stop(),
  };
}

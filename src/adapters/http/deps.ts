import type { RecommendOptions } from '../../core/model.ts';
import type { Recommendation } from '../../core/recommender.ts';
import type { Registry } from 'prom-client';
import type { Config } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { AnnIndex, Neighbour } from '../../core/ann-index.ts';
import type { ClickEvent } from '../../core/events.ts';
import type { ProduceProgress } from '../kafka/producer.ts';
import type { CatalogItem, UserStateStore } from '../../core/stores.ts';
import type { UserState } from '../../core/user-state.ts';

/**
 * What the HTTP layer needs from the rest of the engine, each as narrow as the routes
 * use it. The serving composition (src/serving) wires the real implementations; tests
 * pass in-memory twins. buildApp never reaches past these.
 */
/** The model (core/model.ts) bound to this process's index, rules, trending and catalog view. */
export interface Recommender {
  recommend(user: UserState | undefined, options: RecommendOptions): Recommendation;
  similar(itemId: string, k: number): Neighbour[];
  /** Whether recommend would serve this user's stored ranking now (instead of searching). */
  servesStoredRanking(user: UserState): boolean;
}

/**
 * The process-local view of the catalog. Reads are synchronous (the recommender filters
 * inside the ANN search); writes go to the shared store and reach every process.
 */
export interface CatalogView {
  get(itemId: string): CatalogItem | undefined;
  isAvailable(itemId: string): boolean;
  /** How many items are marked unavailable. Unknown when absent. */
  readonly unavailableCount?: number;
  /**
   * Keeps `index` hiding exactly the items marked unavailable: those marked now at once,
   * later changes as they are applied. The recommender then leaves availability to the
   * index's own filter instead of a callback per candidate.
   */
  hideUnavailableIn(index: Pick<AnnIndex, 'setHidden'>): void;
  categoryOf(itemId: string): string | undefined;
  /** Writes the shared store and tells every API process; resolves once both happened. */
  put(item: CatalogItem): Promise<void>;
  /** Marks the item removed in the store and publishes its embedding tombstone. */
  remove(itemId: string, nowMs: number): Promise<void>;
}

/** The clickstream producer: resolves once Kafka acknowledged every event; `progress` follows its chunks. */
export interface EventSink {
  send(events: readonly ClickEvent[], progress?: ProduceProgress): Promise<void>;
}

export type ServiceState = 'starting' | 'running' | 'degraded' | 'draining';

export interface HealthReport {
  state: ServiceState;
  checks: { index: boolean; redis: boolean; kafka: boolean };
}

/** Cached results of background probes: cheap to call on every request. */
export interface HealthView {
  report(): HealthReport;
}

export interface AppDeps {
  config: Config;
  log: Logger;
  users: Pick<UserStateStore, 'get'>;
  index: AnnIndex;
  catalog: CatalogView;
  recommender: Recommender;
  events: EventSink;
  health: HealthView;
  modelVersion: () => string;
  /** Shared with other metrics of the process; a fresh one per app when absent. */
  registry?: Registry;
  /** Injectable clock for tests. */
  nowMs?: () => number;
}

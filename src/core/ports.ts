import type { AnnIndex } from './ann-index.ts';
import type { ClickEvent } from './events.ts';
import type { RecommendOptions } from './model.ts';
import type { NeighbourRecord } from './neighbour-table.ts';
import type { Recommendation, RecommendedItem } from './recommender.ts';
import type { CatalogItem } from './stores.ts';
import type { UserState } from './user-state.ts';
import type { Vector } from './vector.ts';

// Ports: the interfaces that composition code (pipeline, serving, training) and adapters share.
// Adapters implement them (Kafka, Redis, HTTP, in-memory twins); composition wires them.

/**
 * Why a clickstream message was dead-lettered: a low-cardinality code (metric label,
 * dead-letter field) beside a reason a human can act on.
 */
export const DEAD_LETTER_CODES = [
  'empty_value',
  'null_key',
  'oversized',
  'not_utf8',
  'bad_json',
  'bad_msgpack',
  'invalid_event',
  'key_mismatch',
  /** Decoded fine but the learner threw on it (a bug or a state it cannot handle). */
  'apply_failed',
  /** The user's stored state cannot be decoded; the record was moved to its quarantine key. */
  'unreadable_state',
] as const;

export type DeadLetterCode = (typeof DEAD_LETTER_CODES)[number];

/**
 * A clickstream message the learner could not use, kept with its original bytes so it
 * can be inspected and replayed. On the wire (clickstream.dlq): JSON
 * `{ reason, code, topic, partition, offset, key (base64), value (base64), valueBytes,
 * valueSha256, truncated, failedAtMs }`.
 */
export interface DeadLetter {
  code: DeadLetterCode;
  reason: string;
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  failedAtMs: number;
}

/** One fresh list for one user on the recommendations topic (msgpack, key userId). */
export interface RecommendationList {
  userId: string;
  items: RecommendedItem[];
  modelVersion: string;
  recommendationId: string;
  /** eventId of the newest event that changed the user's state. */
  causedBy: string;
  eventTs: number;
  publishedAt: number;
}

export type EmbeddingSource = 'train' | 'online';

/** One item's vector as replicated to every index (the item-embeddings topic's value). */
export interface ItemEmbeddingRecord {
  itemId: string;
  vector: Vector;
  modelVersion: string;
  updatedAtMs: number;
  source: EmbeddingSource;
}

/** A decoded item-embeddings record: an upsert, a tombstone, or a record no index may apply. */
export type ItemEmbeddingChange =
  | { kind: 'upsert'; record: ItemEmbeddingRecord }
  | { kind: 'remove'; itemId: string }
  | { kind: 'invalid'; reason: string };

/** Everything the learner writes to Kafka, through one shared idempotent producer. */
export interface PipelineSink {
  deadLetters(letters: readonly DeadLetter[]): Promise<void>;
  recommendations(lists: readonly RecommendationList[]): Promise<void>;
  itemEmbeddings(records: readonly ItemEmbeddingRecord[]): Promise<void>;
}

/** Writes item vectors and removals to every index (the compacted item-embeddings topic). */
export interface ItemEmbeddingsPublisher {
  /** Adds or replaces vectors (chunked; acks=all; throws a retryable KAFKA_UNAVAILABLE on failure). */
  publish(records: readonly ItemEmbeddingRecord[]): Promise<void>;
  /** Publishes tombstones: every index that tails the topic drops these items. */
  remove(itemIds: readonly string[]): Promise<void>;
  /** Disconnects the producer if this publisher created it. */
  close(): Promise<void>;
}

/** Writes co-visitation rows to every process (the compacted item-neighbours topic). */
export interface ItemNeighboursPublisher {
  /** Adds or replaces rows (chunked; acks=all; throws a retryable KAFKA_UNAVAILABLE on failure). */
  publish(records: readonly NeighbourRecord[]): Promise<void>;
  /** Disconnects the producer if this publisher created it. */
  close(): Promise<void>;
}

/** The model (core/model.ts) bound to this process's index, rules, trending and catalog view. */
export interface Recommender {
  recommend(user: UserState | undefined, options: RecommendOptions): Recommendation;
  /** The items shown beside `itemId` (`promoted` where a promotion lifted one). */
  similar(itemId: string, k: number): Array<Pick<RecommendedItem, 'itemId' | 'score' | 'promoted'>>;
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
  /** The item's promotion now (stores.ts boostAt): 0 for most items. */
  boostOf(itemId: string): number;
  /** How many items carry a boost, lapsed or not (0: boostOf answers 0 for every item). */
  readonly boostedCount: number;
  /** Writes the shared store and tells every API process; resolves once both happened. */
  put(item: CatalogItem): Promise<void>;
  /** Marks the item removed in the store and publishes its embedding tombstone. */
  remove(itemId: string, nowMs: number): Promise<void>;
}

/**
 * How far a chunked send got, for a caller that must say which messages reached Kafka when
 * it fails half-way: messages before `acked` are acknowledged, those from there to `sending`
 * are in flight (they may or may not be stored), the rest were never sent.
 */
export interface ProduceProgress {
  /** Messages [0, end) were handed to the broker (called before each chunk). */
  sending?(end: number): void;
  /** Messages [0, end) are acknowledged (called after each chunk). */
  acked?(end: number): void;
  /** Once aborted, no further chunk starts (a caller that gave up waiting). */
  signal?: AbortSignal;
}

/** The clickstream producer: resolves once Kafka acknowledged every event; `progress` follows its chunks. */
export interface EventSink {
  send(events: readonly ClickEvent[], progress?: ProduceProgress): Promise<void>;
}

/** A serving process's lifecycle as /readyz reports it. */
export type ServiceState = 'starting' | 'running' | 'degraded' | 'draining';

export interface HealthReport {
  state: ServiceState;
  /** index: the item index is loaded; feed: the clickstream tail replayed its lookback (trending, session neighbours). */
  checks: { index: boolean; feed: boolean; redis: boolean; kafka: boolean };
}

/** Cached results of background probes: cheap to call on every request. */
export interface HealthView {
  report(): HealthReport;
}

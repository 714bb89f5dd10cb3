import { StreamrecError } from '../errors.ts';
import type { UserState } from './user-state.ts';
import type { Vector } from './vector.ts';

/**
 * Storage seams of the engine. Each interface has a Redis implementation and an
 * in-memory twin (src/adapters/memory), both run through one shared test suite.
 */
export interface UserStateStore {
  /** Throws CORRUPT_RECORD (not retryable) when the user's stored record cannot be decoded. */
  get(userId: string): Promise<UserState | undefined>;
  /**
   * One round trip for the whole list; missing users are absent from the map. A record that
   * cannot be decoded throws CORRUPT_RECORD, or, given `onUnreadable`, is reported there and
   * absent from the map, so the other users are still read.
   */
  getMany(userIds: readonly string[], onUnreadable?: (userId: string, err: StreamrecError) => void): Promise<Map<string, UserState>>;
  /**
   * Moves these users' records aside as they are (kept for inspection, no longer read), so
   * their next events start a fresh state; users without a record are skipped.
   */
  quarantine(userIds: readonly string[]): Promise<void>;
  /**
   * Writes all states in one round trip. Each write is atomic per user and applied only
   * when its position is past the stored one (a zombie learner after a rebalance cannot
   * move a user backwards). Returns the ids that were actually written.
   */
  commit(states: readonly UserState[]): Promise<string[]>;
}

export interface CatalogItem {
  itemId: string;
  title?: string;
  category?: string;
  available: boolean;
  updatedAtMs: number;
  /** A promotion (0–1]: lifts the item by this share of a list's score spread wherever the model proposes it (recommender.ts). */
  boost?: number;
  /** When the boost lapses (epoch ms); none: it holds until the item is written again. */
  boostUntilMs?: number;
}

/** The boost `item` carries at `nowMs`: 0 when it has none, it lapsed, or the item is unavailable. */
export function boostAt(item: CatalogItem | undefined, nowMs: number): number {
  if (!item || !item.available || !(item.boost! > 0)) return 0;
  if (item.boostUntilMs !== undefined && nowMs >= item.boostUntilMs) return 0;
  return Math.min(1, item.boost!);
}

export interface CatalogStore {
  get(itemId: string): Promise<CatalogItem | undefined>;
  getMany(itemIds: readonly string[]): Promise<Map<string, CatalogItem>>;
  put(item: CatalogItem): Promise<void>;
  /** Every item, for a process that keeps the catalog in memory (loaded in pages). */
  all(): Promise<CatalogItem[]>;
}

export interface ModelMeta {
  version: string;
  dim: number;
  itemCount: number;
  createdAtMs: number;
  /** Free-form training facts (algorithm, source file, events used, seconds taken). */
  trainedOn: Record<string, string | number>;
}

/** Versions whose vectors a model store keeps: the current one and the one before (a reader mid-load keeps its version). */
export const MODEL_VERSIONS_KEPT = 2;

/** Every vector must have the model's dimension; checked before anything is written. */
export function checkModelVectors(meta: ModelMeta, vectors: ReadonlyMap<string, Vector>): void {
  for (const [itemId, vector] of vectors) {
    if (vector.length !== meta.dim) {
      throw new StreamrecError('BAD_ARGUMENT', `vector of ${itemId} has ${vector.length} dims, model has ${meta.dim}`, {
        hint: 'train with the same EMBEDDING_DIM the engine runs with',
      });
    }
  }
}

export interface ModelStore {
  current(): Promise<ModelMeta | undefined>;
  /**
   * Stores all vectors of a version, then flips `current` to it (readers never see half);
   * versions older than the last MODEL_VERSIONS_KEPT lose their vectors.
   */
  save(meta: ModelMeta, vectors: ReadonlyMap<string, Vector>): Promise<void>;
  /** Vectors of a kept version; empty for a version never saved or already dropped. */
  loadVectors(version: string): Promise<Map<string, Vector>>;
  /** The kept versions (vectors still readable), newest first, each with the metadata it was saved with. */
  versions(): Promise<ModelMeta[]>;
}

/** Tells every API process that a catalog item changed (at-most-once; resync repairs). */
export interface CatalogChangeBus {
  publish(item: CatalogItem): Promise<void>;
  /** Resolves once subscribed; returns the unsubscribe. */
  subscribe(onChange: (item: CatalogItem) => void): Promise<() => Promise<void>>;
}

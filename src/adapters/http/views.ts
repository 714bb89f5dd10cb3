import { randomUUID } from 'node:crypto';
import { factorPart } from '../../core/item-space.ts';
import type { Recommendation } from '../../core/recommender.ts';
import type { CatalogItem } from '../../core/stores.ts';
import type { UserState } from '../../core/user-state.ts';
import { norm } from '../../core/vector.ts';
import { isStreamrecError, StreamrecError } from '../../errors.ts';
import type { AppDeps } from './deps.ts';
import { boundedRead, toNumbers } from './route-kit.ts';
import type { RecommendationsBody, ItemViewBody, UserViewBody } from './schemas.ts';

/**
 * The answers of the read routes, built without fastify: the routes send them, and
 * `streamrec inspect` prints them in-process without loading the HTTP stack. Ids and k
 * arrive validated. Keys are in the order of the response schemas, so JSON.stringify of
 * an answer reads like the route's.
 */
export type ViewDeps = Pick<AppDeps, 'config' | 'users' | 'index' | 'catalog' | 'recommender' | 'modelVersion'>;

/** GET /v1/users/:userId: embedding, history, nearest items and the stored ranking. */
export async function userView(deps: ViewDeps, userId: string, k: number): Promise<UserViewBody> {
  let user;
  try {
    user = await boundedRead(deps.users.get(userId), deps.config.http.storeTimeoutMs, 'reading the user state');
  } catch (err) {
    if (isStreamrecError(err) && err.code !== 'INTERNAL') throw err;
    throw new StreamrecError('REDIS_UNAVAILABLE', 'user state could not be read', { cause: err, hint: 'retry shortly' });
  }
  if (!user) {
    throw new StreamrecError('NOT_FOUND', `no events seen for user ${userId}`, {
      hint: 'recommendations for unknown users are trending items',
    });
  }
  const userNorm = norm(user.vector);
  const nearestItems = userNorm === 0 ? [] : deps.index.search(user.vector, k, deps.catalog.isAvailable);
  const pool = user.pool;
  return {
    userId,
    embedding: toNumbers(user.vector),
    norm: userNorm,
    eventCount: user.eventCount,
    // Newest first: that is what a person looking at it wants to see.
    history: [...user.history].reverse(),
    lastEventTs: user.lastEventTs === 0 ? null : user.lastEventTs,
    updatedAtMs: user.updatedAtMs === 0 ? null : user.updatedAtMs,
    nearestItems,
    storedRanking: pool
      ? {
          items: pool.hashes.map((hash, i) => {
            const ids = deps.index.idsWithHash(hash);
            return { itemId: ids.length === 1 ? ids[0]! : null, score: pool.scores[i] ?? 0 };
          }),
          served: deps.recommender.servesStoredRanking(user),
        }
      : null,
    modelVersion: deps.modelVersion(),
  };
}

/** Whether GET /v1/items/:itemId and /similar know the item: indexed, or in the catalog. */
export function requireKnownItem(deps: Pick<ViewDeps, 'index' | 'catalog'>, itemId: string): void {
  if (!deps.index.has(itemId) && deps.catalog.get(itemId) === undefined) {
    throw new StreamrecError('NOT_FOUND', `item ${itemId} is not in the index or the catalog`);
  }
}

/** GET /v1/items/:itemId: embedding, catalog metadata and neighbours. */
export function itemView(deps: ViewDeps, itemId: string, k: number): ItemViewBody {
  requireKnownItem(deps, itemId);
  const vector = deps.index.vectorOf(itemId);
  // The factor, whose length says how strongly the item expresses its direction (similar's
  // embedding part scores by it); the index's unit vector adds a reserved coordinate.
  const factor = vector ? factorPart(vector) : undefined;
  const meta = deps.catalog.get(itemId);
  return {
    itemId,
    inIndex: vector !== undefined,
    embedding: factor ? toNumbers(factor) : null,
    norm: factor ? norm(factor) : null,
    metadata: meta ? metadataOf(meta) : null,
    // Also for an item without a vector: its rules and sessions may still place items beside it.
    neighbours: deps.recommender.similar(itemId, k),
    modelVersion: deps.modelVersion(),
  };
}

export function metadataOf(item: CatalogItem) {
  const meta: { title?: string; category?: string; available: boolean; updatedAtMs: number; boost?: number; boostUntilMs?: number } = {
    available: item.available,
    updatedAtMs: item.updatedAtMs,
  };
  if (item.title !== undefined) meta.title = item.title;
  if (item.category !== undefined) meta.category = item.category;
  if (item.boost !== undefined) meta.boost = item.boost;
  if (item.boostUntilMs !== undefined) meta.boostUntilMs = item.boostUntilMs;
  return meta;
}

/** A user's state for recommend; `degraded` when Redis did not answer and personalisation is skipped. */
export interface LoadedUser {
  user: UserState | undefined;
  degraded: boolean;
}

/**
 * Personalisation needs Redis; recommend must answer without it. When the background
 * probe already knows Redis is down the read is skipped (no timeout paid per request);
 * otherwise it is bounded and any failure degrades to the trending fallback.
 */
export async function loadUserForRecommend(
  deps: Pick<ViewDeps, 'config' | 'users'>,
  userId: string,
  redisKnownDown: boolean,
  log: { warn: (obj: object, msg: string) => void },
): Promise<LoadedUser> {
  if (redisKnownDown) return { user: undefined, degraded: true };
  try {
    const user = await boundedRead(deps.users.get(userId), deps.config.http.storeTimeoutMs, 'reading the user state');
    return { user, degraded: false };
  } catch (err) {
    // Redis answered but the record is unreadable: the user is served as a cold one, not degraded.
    const corrupt = isStreamrecError(err) && err.code === 'CORRUPT_RECORD';
    log.warn({ err: err instanceof Error ? err.message : String(err), userId }, corrupt ? 'user state unreadable, answering from trending' : 'user state unavailable, answering from trending');
    return { user: undefined, degraded: !corrupt };
  }
}

/** GET /v1/users/:userId/recommendations: the model's answer (`result`, for metrics) and the body sent. */
export function recommendationsView(
  deps: ViewDeps,
  userId: string,
  loaded: LoadedUser,
  options: { k: number; exclude: string[]; category?: string },
): { result: Recommendation; body: RecommendationsBody } {
  // A degraded read (Redis down) is not a cold user: its list is not credited as one.
  const result = deps.recommender.recommend(loaded.user, loaded.degraded ? options : { ...options, userId });
  const { cold } = result;
  return {
    result,
    body: {
      userId,
      items: result.items.map(({ itemId, score, source, promoted }) => (promoted ? { itemId, score, source, promoted } : { itemId, score, source })),
      modelVersion: deps.modelVersion(),
      recommendationId: randomUUID(),
      cold,
      fallback: result.fallback || cold,
      degraded: loaded.degraded,
      underfilled: result.underfilled,
    },
  };
}

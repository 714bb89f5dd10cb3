/**
 * The only place that spells Redis keys. Every key starts with the configured prefix
 * (tests use a random one) and per-entity keys carry a hash tag, so a user's keys land
 * on one Redis Cluster slot and multi-key scripts stay legal there.
 */
export interface RedisKeys {
  readonly prefix: string;
  /** msgpack UserState record (vector as raw Float32 bytes). */
  user(userId: string): string;
  /** "partition:offset" of the newest event applied to the user (exactly-once guard, same slot as user()). */
  userPosition(userId: string): string;
  /** Where an unreadable user() record is moved, as it was, for inspection (same slot as user()). */
  userQuarantine(userId: string): string;
  /** msgpack metadata of the current model: { version, dim, itemCount, createdAtMs, ... }. */
  modelCurrent(): string;
  /** Hash itemId -> raw Float32 vector bytes of one model version. */
  modelItems(version: string): string;
  /** List of model versions, newest first (old versions' vectors are deleted past a few). */
  modelHistory(): string;
  /** Hash version -> msgpack metadata of each kept version (`streamrec model list`, rollback). */
  modelMetas(): string;
  /** Hash itemId -> msgpack catalog metadata (title, category, available). */
  catalog(): string;
  /** Pub/sub channel: every API process refreshes its in-memory catalog from it. */
  catalogChanges(): string;
  /** Sorted set itemId -> decayed popularity score (trending fallback). */
  trending(): string;
  /** msgpack TrendingSnapshot a learner group saves, so a restarted learner starts warm. */
  learnerTrending(groupId: string): string;
  /** msgpack BlendSnapshot (core/blend-choice.ts) a learner group saves; goes with the model on reset. */
  learnerBlend(groupId: string): string;
  /** msgpack cold choice of the API processes (adapters/redis/cold-store.ts), with the clickstream offsets it holds; goes with trending on reset. */
  apiCold(): string;
  /** msgpack users the API processes' entry trackers had seen (cold-store.ts), saved less often than apiCold; goes with it on reset. */
  apiColdUsers(): string;
  /**
   * SCAN MATCH patterns of what is learned from the clickstream and goes together
   * (`streamrec reset`): every user's keys, the model versions, trending, the learners'
   * trending snapshots and the API's cold-user horizons. The catalog (written through the API) is not among them.
   */
  learnedStatePatterns(): { users: string; model: string; trending: string };
}

export function createRedisKeys(prefix: string): RedisKeys {
  return Object.freeze({
    prefix,
    user: (userId: string) => `${prefix}:{u:${userId}}:state`,
    userPosition: (userId: string) => `${prefix}:{u:${userId}}:pos`,
    userQuarantine: (userId: string) => `${prefix}:{u:${userId}}:quarantine`,
    modelCurrent: () => `${prefix}:{model}:current`,
    modelItems: (version: string) => `${prefix}:{model}:items:${version}`,
    modelHistory: () => `${prefix}:{model}:history`,
    modelMetas: () => `${prefix}:{model}:metas`,
    catalog: () => `${prefix}:{catalog}:items`,
    catalogChanges: () => `${prefix}:{catalog}:changes`,
    trending: () => `${prefix}:{trending}:scores`,
    learnerTrending: (groupId: string) => `${prefix}:{trending}:learner:${groupId}`,
    learnerBlend: (groupId: string) => `${prefix}:{model}:blend:${groupId}`,
    apiCold: () => `${prefix}:{trending}:api-cold`,
    apiColdUsers: () => `${prefix}:{trending}:api-cold-users`,
    learnedStatePatterns: () => {
      const p = prefix.replace(/[*?[\]\\]/g, '\\$&');
      return { users: `${p}:{u:*}:*`, model: `${p}:{model}:*`, trending: `${p}:{trending}:*` };
    },
  });
}

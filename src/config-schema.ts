import { DEFAULT_EVENT_WEIGHTS } from './core/events.ts';

/**
 * Every setting as data: its variable, where it lands in Config, type, range or allowed
 * values, default, unit and one line of meaning. loadConfig (config.ts) is driven by this
 * list, the Config type is derived from it (config-types.ts) and the configuration table in
 * docs/configuration.md is generated from it (`npm run config:table`).
 * Order is the table's order, grouped by concern (the first segment of `path`).
 */
interface SettingBase {
  /** Environment variable, also the key in a `--config` file. */
  readonly env: string;
  /** Where the value lands in Config: `group.key`, or `key` for top-level settings. */
  readonly path: string;
  readonly doc: string;
  readonly unit?: string;
  /** Said after the default in the table, e.g. `(7 days)`. */
  readonly defaultNote?: string;
}

export type Setting = SettingBase &
  (
    | { readonly type: 'int'; readonly default: number; readonly min: number; readonly max: number }
    /** `auto` (also when unset) or an integer from min to max. */
    | { readonly type: 'intOrAuto'; readonly default: 'auto'; readonly min: number; readonly max: number }
    | { readonly type: 'bool'; readonly default: boolean }
    | { readonly type: 'enum'; readonly default: string; readonly values: readonly string[] }
    | { readonly type: 'string'; readonly default: string; readonly format?: 'topic' | 'redisUrl' }
    /** Undefined when unset. */
    | { readonly type: 'optionalString'; readonly format?: 'path' }
    /** Comma-separated host:port; empty means the local stack's broker. */
    | { readonly type: 'brokers' }
    /** `type=weight,...` over DEFAULT_EVENT_WEIGHTS. */
    | { readonly type: 'weights' }
    /**
     * A directory; the default may start with `~/` (home) or `$STREAMREC_HOME/`. With `off`,
     * the value `off` gives undefined.
     */
    | { readonly type: 'path'; readonly default: string; readonly off?: boolean }
  );

export type SettingType = Setting['type'];

const DAY_MS = 86_400_000;
const PORT = { type: 'int', min: 1, max: 65_535, unit: 'port' } as const;

export const SETTINGS = [
  // kafka
  { env: 'KAFKA_BROKERS', path: 'kafka.brokers', type: 'brokers', doc: 'comma-separated `host:port` of an existing Kafka; set it and `stack up` starts no broker' },
  { env: 'KAFKA_CLIENT_ID', path: 'kafka.clientId', type: 'string', default: 'streamrec', doc: 'kafkajs client id' },
  { env: 'KAFKA_CONNECTION_TIMEOUT_MS', path: 'kafka.connectionTimeoutMs', type: 'int', default: 3000, min: 100, max: 60_000, unit: 'ms', doc: 'TCP connect timeout to a broker' },
  { env: 'KAFKA_REQUEST_TIMEOUT_MS', path: 'kafka.requestTimeoutMs', type: 'int', default: 30_000, min: 1000, max: 300_000, unit: 'ms', doc: 'timeout of one Kafka request' },
  { env: 'STREAMREC_KAFKA_PORT', path: 'kafka.localPort', ...PORT, default: 19092, doc: "local broker's port" },
  { env: 'STREAMREC_KAFKA_CONTROLLER_PORT', path: 'kafka.localControllerPort', ...PORT, default: 19093, doc: "local KRaft controller's port" },
  // topics
  { env: 'TOPIC_CLICKSTREAM', path: 'topics.clickstream', type: 'string', format: 'topic', default: 'clickstream', doc: 'clickstream topic' },
  { env: 'TOPIC_DEAD_LETTER', path: 'topics.deadLetter', type: 'string', format: 'topic', default: 'clickstream.dlq', doc: 'dead-letter topic' },
  { env: 'TOPIC_RECOMMENDATIONS', path: 'topics.recommendations', type: 'string', format: 'topic', default: 'recommendations', doc: 'recommendation lists topic (compacted)' },
  { env: 'TOPIC_ITEM_EMBEDDINGS', path: 'topics.itemEmbeddings', type: 'string', format: 'topic', default: 'item-embeddings', doc: 'item vectors topic (compacted)' },
  { env: 'TOPIC_ITEM_NEIGHBOURS', path: 'topics.itemNeighbours', type: 'string', format: 'topic', default: 'item-neighbours', doc: 'co-visitation rows topic (compacted; as many partitions as item-embeddings)' },
  { env: 'CLICKSTREAM_PARTITIONS', path: 'topics.clickstreamPartitions', type: 'int', default: 6, min: 1, max: 1000, unit: 'partitions', doc: 'partitions of the clickstream topic (learner parallelism)' },
  { env: 'RECOMMENDATIONS_PARTITIONS', path: 'topics.recommendationsPartitions', type: 'int', default: 6, min: 1, max: 1000, unit: 'partitions', doc: 'partitions of the recommendations topic' },
  { env: 'ITEM_EMBEDDINGS_PARTITIONS', path: 'topics.itemEmbeddingsPartitions', type: 'int', default: 1, min: 1, max: 1000, unit: 'partitions', doc: 'partitions of the item-embeddings topic' },
  { env: 'KAFKA_REPLICATION_FACTOR', path: 'topics.replicationFactor', type: 'int', default: 1, min: 1, max: 10, unit: 'replicas', doc: 'replication factor of created topics' },
  // redis
  { env: 'REDIS_URL', path: 'redis.url', type: 'string', format: 'redisUrl', default: 'redis://127.0.0.1:6379', doc: 'Redis to use; when set explicitly, it must answer' },
  { env: 'STREAMREC_REDIS_PORT', path: 'redis.localPort', ...PORT, default: 16379, doc: 'port of the redis-server streamrec starts when no Redis answers' },
  // Namespaces every key: tests use a random prefix each.
  { env: 'REDIS_KEY_PREFIX', path: 'redis.keyPrefix', type: 'string', default: 'sr', doc: 'prefix of every Redis key' },
  { env: 'REDIS_COMMAND_TIMEOUT_MS', path: 'redis.commandTimeoutMs', type: 'int', default: 2000, min: 50, max: 60_000, unit: 'ms', doc: 'timeout of one Redis command' },
  // http
  { env: 'HOST', path: 'http.host', type: 'string', default: '127.0.0.1', doc: 'API listen address' },
  // 0 picks a free port (tests, several APIs on one machine).
  { env: 'PORT', path: 'http.port', ...PORT, min: 0, default: 8080, doc: 'API port' },
  { env: 'API_KEY', path: 'http.apiKey', type: 'optionalString', doc: 'key required for catalog writes (and reads, see next)' },
  { env: 'READS_REQUIRE_API_KEY', path: 'http.readsRequireKey', type: 'bool', default: false, doc: 'also require the key for reads, `/docs` and `/metrics`; `/readyz` then shows only `ready` without it' },
  { env: 'RATE_LIMIT_PER_MINUTE', path: 'http.rateLimitPerMinute', type: 'int', default: 600_000, min: 1, max: 100_000_000, unit: 'requests/min', doc: 'API requests per minute per client' },
  { env: 'AUTH_FAILURES_PER_MINUTE', path: 'http.authFailuresPerMinute', type: 'int', default: 30, min: 1, max: 1_000_000, unit: 'requests/min', doc: 'wrong API keys per minute per client; past it its keyed requests get 429 until the minute ends' },
  { env: 'HTTP_BODY_LIMIT_BYTES', path: 'http.bodyLimitBytes', type: 'int', default: 1_048_576, min: 1024, max: 104_857_600, unit: 'bytes', doc: 'largest accepted request body' },
  { env: 'HTTP_STORE_TIMEOUT_MS', path: 'http.storeTimeoutMs', type: 'int', default: 250, min: 5, max: 60_000, unit: 'ms', doc: 'bound on each Redis read in the request path; past it recommendations answer degraded' },
  // The map's PCA cost grows with it.
  { env: 'HTTP_MAP_SAMPLE_SIZE', path: 'http.mapSampleSize', type: 'int', default: 2000, min: 10, max: 100_000, unit: 'items', doc: "items drawn for the page's 2-D embedding map" },
  { env: 'HTTP_PRODUCE_TIMEOUT_MS', path: 'http.produceTimeoutMs', type: 'int', default: 5000, min: 100, max: 120_000, unit: 'ms', doc: 'bound on producing a `POST /v1/events` batch; past it the client gets a retryable 503' },
  { env: 'API_INDEX_SNAPSHOT_DIR', path: 'http.indexSnapshotDir', type: 'path', default: '$STREAMREC_HOME/api-index', off: true, doc: 'where the API keeps its HNSW snapshot for fast restarts (`off` disables)' },
  { env: 'HTTP_PROBE_INTERVAL_MS', path: 'http.probeIntervalMs', type: 'int', default: 1000, min: 50, max: 60_000, unit: 'ms', doc: 'how often the API probes Redis and Kafka for `/readyz` and degradation' },
  // Items published since reach such a user at their next event or after this long.
  { env: 'RECOMMEND_POOL_MAX_AGE_MS', path: 'http.poolMaxAgeMs', type: 'int', default: 600_000, min: 0, max: 7 * DAY_MS, unit: 'ms', doc: "a user's candidate pool (searched by the learner at their last event, stored with their state) is ranked instead of searching the index while at most this old; `0` always searches" },
  // model
  { env: 'EMBEDDING_DIM', path: 'model.dim', type: 'int', default: 64, min: 2, max: 2048, unit: 'floats', doc: 'embedding dimension' },
  { env: 'HALF_LIFE_MS', path: 'model.halfLifeMs', type: 'int', default: 7 * DAY_MS, min: 1000, max: 10 * 365 * DAY_MS, unit: 'ms', defaultNote: '(7 days)', doc: "half-life of a user's past interactions" },
  { env: 'EVENT_WEIGHTS', path: 'model.weights', type: 'weights', doc: 'per-type weights, e.g. `purchase=8,dislike=-4`' },
  { env: 'HISTORY_CAP', path: 'model.historyCap', type: 'int', default: 50, min: 1, max: 10_000, unit: 'items', doc: 'recent items kept per user' },
  { env: 'SEEN_CAP', path: 'model.seenCap', type: 'int', default: 200, min: 1, max: 100_000, unit: 'items', doc: 'seen items kept per user (excluded from recommendations; 4 bytes each in Redis)' },
  { env: 'EVENT_ID_WINDOW', path: 'model.eventIdWindow', type: 'int', default: 16, min: 1, max: 4096, unit: 'events', doc: "eventIds remembered per user (4 bytes each, in the user's record): an event resent with the same eventId is applied once while fewer than this many events of its user were applied since the original" },
  // `auto` is hnsw-index.ts autoEfSearch; recall@10 vs exact was 0.9993 at 64 on 100k items.
  { env: 'HNSW_EF_SEARCH', path: 'model.efSearch', type: 'intOrAuto', default: 'auto', min: 1, max: 10_000, doc: 'HNSW beam width at query time (learner and API): `auto` is 64 up to 250k items and grows with √items above (128 at 1M, where 64 gave recall@10 0.948 and 128 0.993, native-bench; at most 512), or a fixed integer' },
  { env: 'DEFAULT_K', path: 'model.k', type: 'int', default: 10, min: 1, max: 1000, unit: 'items', doc: 'recommendations per request by default' },
  { env: 'MAX_K', path: 'model.maxK', type: 'int', default: 100, min: 1, max: 10_000, unit: 'items', doc: 'largest `k` a request may ask' },
  { env: 'TRENDING_HALF_LIFE_MS', path: 'model.trendingHalfLifeMs', type: 'int', default: DAY_MS, min: 1000, max: 365 * DAY_MS, unit: 'ms', defaultNote: '(1 day)', doc: 'half-life of trending scores' },
  // Guards against a broken refit, not noise: core/refit-gate.ts.
  { env: 'REFIT_MAX_DROP_PCT', path: 'model.refitMaxDropPct', type: 'int', default: 50, min: 0, max: 100, unit: '%', doc: "release check of every refit (refitter and `eval`): a refit whose sampled hit rate on the stream's last 1,000 transitions is more than this much below the served version's is held back and the served version stays; `100` turns the check off" },
  { env: 'SESSION_LOOKBACK_MS', path: 'model.sessionLookbackMs', type: 'int', default: DAY_MS, min: 0, max: 365 * DAY_MS, unit: 'ms', defaultNote: '(1 day)', doc: 'how far back in the clickstream a starting learner or API rebuilds the session-neighbour index' },
  // learner
  { env: 'LEARNER_GROUP_ID', path: 'learner.groupId', type: 'string', default: 'streamrec-learner', doc: "learners' consumer group" },
  // 4 MiB per partition (~33k events of ~75 bytes): a caught-up learner fetches whatever arrived
  // (small batches, fresh lists), while a learner behind gets big batches and coalesces more of
  // each user's events into one list. On a 200k-event backlog of 20k users the learner went from
  // ~3 to ~10 events per list (native-bench pipeline).
  { env: 'LEARNER_MAX_BATCH_BYTES', path: 'learner.maxBatchBytes', type: 'int', default: 4_194_304, min: 1024, max: 104_857_600, unit: 'bytes', doc: 'largest batch a learner fetches per partition (a fetch takes up to 4×); a learner behind gets big batches and coalesces more events per list' },
  { env: 'LEARNER_RETRY_MAX_MS', path: 'learner.retryMaxMs', type: 'int', default: 10_000, min: 10, max: 600_000, unit: 'ms', doc: 'longest backoff between retries of a failing batch' },
  { env: 'SHUTDOWN_GRACE_MS', path: 'learner.shutdownGraceMs', type: 'int', default: 10_000, min: 100, max: 600_000, unit: 'ms', doc: 'time a worker gets to drain on SIGTERM' },
  // Dead-lettered unparsed.
  { env: 'MAX_EVENT_BYTES', path: 'learner.maxEventBytes', type: 'int', default: 65_536, min: 256, max: 10_485_760, unit: 'bytes', doc: 'clickstream messages larger than this are dead-lettered' },
  { env: 'LEARNER_METRICS_PORT', path: 'learner.metricsPort', ...PORT, min: 0, default: 9464, doc: "learner's Prometheus `/metrics` port (0: any free port)" },
  // More than one overlaps one batch's I/O with another's CPU.
  { env: 'LEARNER_PARTITIONS_CONCURRENTLY', path: 'learner.partitionsConcurrently', type: 'int', default: 2, min: 1, max: 64, unit: 'partitions', doc: 'partitions one learner processes at once' },
  { env: 'LEARNER_INDEX_SNAPSHOT_DIR', path: 'learner.indexSnapshotDir', type: 'path', default: '$STREAMREC_HOME/learner-index', off: true, doc: 'where a learner keeps its HNSW snapshot for fast restarts (`off` disables)' },
  // 6000 is the broker's minimum session timeout.
  { env: 'LEARNER_SESSION_TIMEOUT_MS', path: 'learner.sessionTimeoutMs', type: 'int', default: 30_000, min: 6000, max: 300_000, unit: 'ms', doc: "a dead learner's partitions move to the others after this long (min 6000)" },
  { env: 'CATCH_UP_TIMEOUT_MS', path: 'learner.catchUpTimeoutMs', type: 'int', default: 120_000, min: 1000, max: 3_600_000, unit: 'ms', doc: 'bound on catching up at start: with item-embeddings (a learner or API fails past it), with item-neighbours and with the clickstream lookback (a learner consumes after it, the API\'s `/readyz` waits for it; past it they go on tailing, with a warning)' },
  { env: 'ON_TOPIC_CHANGE', path: 'learner.onTopicChange', type: 'enum', default: 'refuse', values: ['refuse', 'restart'], doc: "the clickstream topic was deleted and created again while Redis kept users' positions in the old one: `refuse` stops the learner and says what to run (`streamrec reset --yes`); `restart` applies the new topic's events on top of the stored states, ignoring the old positions" },
  // refitter
  { env: 'REFIT_GROUP_ID', path: 'refitter.groupId', type: 'string', default: 'streamrec-refitter', doc: "the refit worker's consumer group (run one refitter; it commits nothing and rereads the clickstream at every start)" },
  { env: 'REFIT_MAX_USERS', path: 'refitter.maxUsers', type: 'int', default: 1_000_000, min: 1, max: 100_000_000, unit: 'users', doc: 'users whose recent history the refitter keeps (least recently active forgotten)' },
  { env: 'REFIT_METRICS_PORT', path: 'refitter.metricsPort', ...PORT, min: 0, default: 9465, doc: "refitter's Prometheus `/metrics` port (0: any free port)" },
  { env: 'REFIT_PROGRESS_INTERVAL_MS', path: 'refitter.progressIntervalMs', type: 'int', default: 10_000, min: 100, max: 3_600_000, unit: 'ms', doc: 'how often the refitter logs its progress' },
  { env: 'NEIGHBOURS_PUBLISH_INTERVAL_MS', path: 'refitter.neighboursPublishIntervalMs', type: 'int', default: 1000, min: 10, max: 3_600_000, unit: 'ms', doc: 'how often, at most, the refitter publishes the co-visitation rows that changed (once caught up)' },
  { env: 'REFIT_LOOKBACK_MS', path: 'refitter.lookbackMs', type: 'int', default: 0, min: 0, max: 10 * 365 * DAY_MS, unit: 'ms', doc: 'how far back (broker time) the refitter reads the clickstream at start; `0` reads the whole retention. Bounds a restart on a long-retention topic, at the price of older co-occurrence' },
  // general
  { env: 'STREAMREC_HOME', path: 'stateDir', type: 'path', default: '~/.cache/streamrec', doc: 'state dir: jars, broker data, logs, pid files' },
  { env: 'LOG_LEVEL', path: 'logLevel', type: 'enum', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], doc: 'log level' },
  { env: 'STREAMREC_CONFIG', path: 'configFile', type: 'optionalString', format: 'path', doc: 'JSON file, or YAML when named `.yaml`/`.yml`, of settings keyed by these variable names (also `streamrec --config FILE`); the environment overrides it' },
] as const satisfies readonly Setting[];

/** Config fields computed from other settings rather than read from one variable. */
export const DERIVED_PATHS = ['kafka.external', 'redis.explicit'] as const;

export const DEFAULT_EVENT_WEIGHTS_TEXT = Object.entries(DEFAULT_EVENT_WEIGHTS)
  .map(([type, weight]) => `${type}=${weight}`)
  .join(',');

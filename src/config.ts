import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_EVENT_WEIGHTS, EVENT_TYPES, isEventType, type EventType, type EventWeights } from './core/events.ts';
import type { EfSearch } from './core/hnsw-index.ts';
import { StreamrecError } from './errors.ts';

/**
 * Every setting, its environment variable and default, in one place. loadConfig reads
 * the environment once, reports every bad key at once, and returns a frozen object that
 * is passed down as an argument; nothing else reads process.env.
 */
export interface Config {
  readonly kafka: {
    /** Empty brokers list in the environment means: use the project's local stack. */
    readonly brokers: readonly string[];
    readonly external: boolean;
    readonly clientId: string;
    readonly localPort: number;
    readonly localControllerPort: number;
    readonly connectionTimeoutMs: number;
    readonly requestTimeoutMs: number;
  };
  readonly topics: {
    readonly clickstream: string;
    readonly deadLetter: string;
    readonly recommendations: string;
    readonly itemEmbeddings: string;
    /** Co-visitation rows of items (compacted, key itemId), as many partitions as item-embeddings. */
    readonly itemNeighbours: string;
    readonly clickstreamPartitions: number;
    readonly itemEmbeddingsPartitions: number;
    readonly recommendationsPartitions: number;
    readonly replicationFactor: number;
  };
  readonly redis: {
    readonly url: string;
    /** True when REDIS_URL was set: never start a local redis-server in its place. */
    readonly explicit: boolean;
    readonly localPort: number;
    /** Namespaces every key; tests use a random prefix each. */
    readonly keyPrefix: string;
    readonly commandTimeoutMs: number;
  };
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly apiKey: string | undefined;
    readonly readsRequireKey: boolean;
    readonly rateLimitPerMinute: number;
    /** Wrong API keys one client may present per minute before its keyed requests get 429. */
    readonly authFailuresPerMinute: number;
    readonly bodyLimitBytes: number;
    /** Bound on each Redis read in the request path; past it recommend answers degraded. */
    readonly storeTimeoutMs: number;
    /** Items drawn for the 2-D embedding map on the page (PCA cost grows with it). */
    readonly mapSampleSize: number;
    /** Bound on producing a POST /v1/events batch; past it the client gets a retryable 503. */
    readonly produceTimeoutMs: number;
    /** How often the API probes Redis and Kafka for /readyz and degradation. */
    readonly probeIntervalMs: number;
    /** Where the API keeps its HNSW snapshot for fast restarts; undefined when off. */
    readonly indexSnapshotDir: string | undefined;
    /**
     * A user's stored candidate pool (searched by the learner at the user's last event) is
     * ranked instead of searching the index while it is at most this old; 0 = always search.
     * Items published since reach such a user at their next event or after this long.
     */
    readonly poolMaxAgeMs: number;
  };
  readonly model: {
    readonly dim: number;
    readonly halfLifeMs: number;
    readonly weights: EventWeights;
    readonly historyCap: number;
    readonly seenCap: number;
    /**
     * eventIds remembered per user (4 bytes each in the user's record): a resent event is
     * applied once while fewer than this many events of its user were applied since.
     */
    readonly eventIdWindow: number;
    /**
     * HNSW beam width at query time (learner and API): fixed, or 'auto', which grows with the
     * catalog (hnsw-index.ts autoEfSearch). recall@10 vs exact: 0.9993 at 64 on 100k items,
     * 0.948 at 64 and 0.993 at 128 on 1M.
     */
    readonly efSearch: EfSearch;
    readonly k: number;
    readonly maxK: number;
    readonly trendingHalfLifeMs: number;
  };
  readonly learner: {
    readonly groupId: string;
    readonly maxBatchBytes: number;
    readonly retryMaxMs: number;
    readonly shutdownGraceMs: number;
    /** Clickstream messages larger than this are dead-lettered unparsed. */
    readonly maxEventBytes: number;
    /** Port of the learner's Prometheus /metrics endpoint; 0 picks a free port. */
    readonly metricsPort: number;
    /** Partitions one learner processes at once (overlaps one batch's I/O with another's CPU). */
    readonly partitionsConcurrently: number;
    /** Where a learner keeps its HNSW snapshot for fast restarts; undefined when off. */
    readonly indexSnapshotDir: string | undefined;
    /** A dead learner's partitions move to the others after this long (broker minimum 6000). */
    readonly sessionTimeoutMs: number;
    /** Upper bound of one wait for the item-embeddings tail to catch up at start. */
    readonly catchUpTimeoutMs: number;
    /**
     * What the learner does with users whose stored position is of another incarnation of the
     * clickstream topic (deleted and created again): stop and say so, or apply the new
     * topic's events on top of their state, ignoring the old positions.
     */
    readonly onTopicChange: 'refuse' | 'restart';
  };
  readonly refitter: {
    /** Consumer group of the refit worker (run one; it reads the clickstream from the beginning at every start). */
    readonly groupId: string;
    /** Users whose recent history the refit worker keeps; the least recently active are forgotten. */
    readonly maxUsers: number;
    /** How often the refit worker logs its progress. */
    readonly progressIntervalMs: number;
    /**
     * How far back (broker time) the refit worker reads the clickstream at start; 0 = the whole
     * retention. Bounds a restart on a long-retention topic, at the price of older co-occurrence.
     */
    readonly lookbackMs: number;
    /** Once caught up, the refit worker publishes the co-visitation rows that changed at most this often. */
    readonly neighboursPublishIntervalMs: number;
  };
  readonly stateDir: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env): Config {
  const r = new EnvReader(env);
  const brokersRaw = r.str('KAFKA_BROKERS', '');
  const localPort = r.port('STREAMREC_KAFKA_PORT', 19092);
  const brokers = brokersRaw === '' ? [`127.0.0.1:${localPort}`] : brokersRaw.split(',').map((b) => b.trim());
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) r.fail('KAFKA_BROKERS', `"${b}" is not host:port (example: 127.0.0.1:9092)`);
  }
  const redisUrlRaw = env.REDIS_URL;
  const redisUrl = r.str('REDIS_URL', 'redis://127.0.0.1:6379');
  if (!/^rediss?:\/\/.+/.test(redisUrl)) r.fail('REDIS_URL', `"${redisUrl}" is not a redis:// URL`);

  const stateDir = r.str('STREAMREC_HOME', join(homedir(), '.cache', 'streamrec'));
  const snapshotDir = r.str('API_INDEX_SNAPSHOT_DIR', join(stateDir, 'api-index'));
  const learnerSnapshotDir = r.str('LEARNER_INDEX_SNAPSHOT_DIR', join(stateDir, 'learner-index'));
  const config: Config = {
    kafka: {
      brokers,
      external: brokersRaw !== '',
      clientId: r.str('KAFKA_CLIENT_ID', 'streamrec'),
      localPort,
      localControllerPort: r.port('STREAMREC_KAFKA_CONTROLLER_PORT', 19093),
      connectionTimeoutMs: r.int('KAFKA_CONNECTION_TIMEOUT_MS', 3000, 100, 60_000),
      requestTimeoutMs: r.int('KAFKA_REQUEST_TIMEOUT_MS', 30_000, 1000, 300_000),
    },
    topics: {
      clickstream: r.topic('TOPIC_CLICKSTREAM', 'clickstream'),
      deadLetter: r.topic('TOPIC_DEAD_LETTER', 'clickstream.dlq'),
      recommendations: r.topic('TOPIC_RECOMMENDATIONS', 'recommendations'),
      itemEmbeddings: r.topic('TOPIC_ITEM_EMBEDDINGS', 'item-embeddings'),
      itemNeighbours: r.topic('TOPIC_ITEM_NEIGHBOURS', 'item-neighbours'),
      clickstreamPartitions: r.int('CLICKSTREAM_PARTITIONS', 6, 1, 1000),
      itemEmbeddingsPartitions: r.int('ITEM_EMBEDDINGS_PARTITIONS', 1, 1, 1000),
      recommendationsPartitions: r.int('RECOMMENDATIONS_PARTITIONS', 6, 1, 1000),
      replicationFactor: r.int('KAFKA_REPLICATION_FACTOR', 1, 1, 10),
    },
    redis: {
      url: redisUrl,
      explicit: redisUrlRaw !== undefined && redisUrlRaw !== '',
      localPort: r.port('STREAMREC_REDIS_PORT', 16379),
      keyPrefix: r.str('REDIS_KEY_PREFIX', 'sr'),
      commandTimeoutMs: r.int('REDIS_COMMAND_TIMEOUT_MS', 2000, 50, 60_000),
    },
    http: {
      host: r.str('HOST', '127.0.0.1'),
      // 0 picks a free port (tests, several APIs on one machine).
      port: r.int('PORT', 8080, 0, 65_535),
      apiKey: env.API_KEY === undefined || env.API_KEY === '' ? undefined : env.API_KEY,
      readsRequireKey: r.bool('READS_REQUIRE_API_KEY', false),
      rateLimitPerMinute: r.int('RATE_LIMIT_PER_MINUTE', 600_000, 1, 100_000_000),
      authFailuresPerMinute: r.int('AUTH_FAILURES_PER_MINUTE', 30, 1, 1_000_000),
      bodyLimitBytes: r.int('HTTP_BODY_LIMIT_BYTES', 1_048_576, 1024, 104_857_600),
      storeTimeoutMs: r.int('HTTP_STORE_TIMEOUT_MS', 250, 5, 60_000),
      mapSampleSize: r.int('HTTP_MAP_SAMPLE_SIZE', 2000, 10, 100_000),
      produceTimeoutMs: r.int('HTTP_PRODUCE_TIMEOUT_MS', 5000, 100, 120_000),
      probeIntervalMs: r.int('HTTP_PROBE_INTERVAL_MS', 1000, 50, 60_000),
      indexSnapshotDir: snapshotDir === 'off' ? undefined : snapshotDir,
      poolMaxAgeMs: r.int('RECOMMEND_POOL_MAX_AGE_MS', 600_000, 0, 7 * 86_400_000),
    },
    model: {
      dim: r.int('EMBEDDING_DIM', 64, 2, 2048),
      halfLifeMs: r.int('HALF_LIFE_MS', 7 * 86_400_000, 1000, 10 * 365 * 86_400_000),
      weights: r.weights('EVENT_WEIGHTS'),
      historyCap: r.int('HISTORY_CAP', 50, 1, 10_000),
      seenCap: r.int('SEEN_CAP', 200, 1, 100_000),
      eventIdWindow: r.int('EVENT_ID_WINDOW', 16, 1, 4096),
      efSearch: r.intOrAuto('HNSW_EF_SEARCH', 1, 10_000),
      k: r.int('DEFAULT_K', 10, 1, 1000),
      maxK: r.int('MAX_K', 100, 1, 10_000),
      trendingHalfLifeMs: r.int('TRENDING_HALF_LIFE_MS', 86_400_000, 1000, 365 * 86_400_000),
    },
    learner: {
      groupId: r.str('LEARNER_GROUP_ID', 'streamrec-learner'),
      // 4 MiB per partition (~33k events of ~75 bytes): a caught-up learner fetches whatever
      // arrived (small batches, fresh lists), while a learner behind gets big batches and
      // coalesces more of each user's events into one list. On a 200k-event backlog of 20k
      // users the learner went from ~3 to ~10 events per list (native-bench pipeline).
      maxBatchBytes: r.int('LEARNER_MAX_BATCH_BYTES', 4_194_304, 1024, 104_857_600),
      retryMaxMs: r.int('LEARNER_RETRY_MAX_MS', 10_000, 10, 600_000),
      shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', 10_000, 100, 600_000),
      maxEventBytes: r.int('MAX_EVENT_BYTES', 65_536, 256, 10_485_760),
      metricsPort: r.int('LEARNER_METRICS_PORT', 9464, 0, 65_535),
      partitionsConcurrently: r.int('LEARNER_PARTITIONS_CONCURRENTLY', 2, 1, 64),
      indexSnapshotDir: learnerSnapshotDir === 'off' ? undefined : learnerSnapshotDir,
      sessionTimeoutMs: r.int('LEARNER_SESSION_TIMEOUT_MS', 30_000, 6000, 300_000),
      catchUpTimeoutMs: r.int('CATCH_UP_TIMEOUT_MS', 120_000, 1000, 3_600_000),
      onTopicChange: r.oneOf('ON_TOPIC_CHANGE', 'refuse', ['refuse', 'restart'] as const),
    },
    refitter: {
      groupId: r.str('REFIT_GROUP_ID', 'streamrec-refitter'),
      maxUsers: r.int('REFIT_MAX_USERS', 1_000_000, 1, 100_000_000),
      progressIntervalMs: r.int('REFIT_PROGRESS_INTERVAL_MS', 10_000, 100, 3_600_000),
      lookbackMs: r.int('REFIT_LOOKBACK_MS', 0, 0, 10 * 365 * 86_400_000),
      neighboursPublishIntervalMs: r.int('NEIGHBOURS_PUBLISH_INTERVAL_MS', 1000, 10, 3_600_000),
    },
    stateDir,
    logLevel: r.oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
  };
  if (config.model.k > config.model.maxK) r.fail('DEFAULT_K', `must not exceed MAX_K (${config.model.maxK})`);
  r.throwIfAny();
  return deepFreeze(config);
}

class EnvReader {
  private readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  fail(key: string, problem: string): void {
    this.problems.push(`${key}: ${problem}`);
  }

  str(key: string, fallback: string): string {
    const v = this.env[key];
    return v === undefined || v === '' ? fallback : v;
  }

  int(key: string, fallback: number, min: number, max: number): number {
    const v = this.env[key];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.fail(key, `"${v}" must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  /** 'auto' (also when unset) or an integer from min to max. */
  intOrAuto(key: string, min: number, max: number): EfSearch {
    const v = this.env[key];
    if (v === undefined || v === '' || v === 'auto') return 'auto';
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.fail(key, `"${v}" must be auto or an integer from ${min} to ${max}`);
      return 'auto';
    }
    return n;
  }

  port(key: string, fallback: number): number {
    return this.int(key, fallback, 1, 65_535);
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.env[key];
    if (v === undefined || v === '') return fallback;
    if (['1', 'true', 'yes'].includes(v.toLowerCase())) return true;
    if (['0', 'false', 'no'].includes(v.toLowerCase())) return false;
    this.fail(key, `"${v}" must be true or false`);
    return fallback;
  }

  oneOf<T extends string>(key: string, fallback: T, allowed: readonly T[]): T {
    const v = this.env[key];
    if (v === undefined || v === '') return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.fail(key, `"${v}" must be one of ${allowed.join(', ')}`);
    return fallback;
  }

  topic(key: string, fallback: string): string {
    const v = this.str(key, fallback);
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(v)) this.fail(key, `"${v}" is not a valid Kafka topic name (letters, digits, . _ -)`);
    return v;
  }

  /** EVENT_WEIGHTS="view=1,purchase=8,dislike=-4": listed types override the defaults. */
  weights(key: string): EventWeights {
    const v = this.env[key];
    const out: Record<EventType, number> = { ...DEFAULT_EVENT_WEIGHTS };
    if (v === undefined || v === '') return out;
    for (const pair of v.split(',')) {
      const [name, num] = pair.split('=').map((s) => s.trim());
      const w = Number(num);
      if (!isEventType(name)) this.fail(key, `"${name}" is not an event type (${EVENT_TYPES.join(', ')})`);
      else if (num === undefined || num === '' || !Number.isFinite(w)) this.fail(key, `weight of ${name} must be a number`);
      else out[name] = w;
    }
    return out;
  }

  throwIfAny(): void {
    if (this.problems.length === 0) return;
    throw new StreamrecError('CONFIG_INVALID', `invalid configuration: ${this.problems.join('; ')}`, {
      hint: 'fix these environment variables (README lists every setting and its default)',
    });
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_EVENT_WEIGHTS, EVENT_TYPES, isEventType, type EventType, type EventWeights } from './core/events.ts';
import { readConfigFile } from './config-file.ts';
import { SETTINGS, type Setting } from './config-schema.ts';
import type { EfSearch } from './core/hnsw-index.ts';
import { StreamrecError } from './errors.ts';

/**
 * The shape loadConfig returns. Each setting's variable, type, range, default and meaning is
 * declared once in config-schema.ts; loadConfig reads the environment (over an optional JSON
 * or YAML file, config-file.ts) once, reports every bad value at once, and returns a frozen
 * object that is passed down as an argument; nothing else reads process.env.
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
    /** How far back a starting process replays the clickstream into its session-neighbour index. */
    readonly sessionLookbackMs: number;
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
  /** The JSON or YAML file of settings read under the environment (STREAMREC_CONFIG / --config), if any. */
  readonly configFile: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

type Env = Readonly<Record<string, string | undefined>>;

const SETTING_BY_ENV: ReadonlyMap<string, Setting> = new Map(SETTINGS.map((s) => [s.env, s]));

/**
 * Reads every setting of SETTINGS from `env`, over the JSON or YAML file named by STREAMREC_CONFIG
 * (unset or empty variables fall back to the file, then to the default).
 */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const configFile = nonEmpty(env.STREAMREC_CONFIG);
  const fromFile = configFile === undefined ? {} : readConfigFile(configFile, (key) => SETTING_BY_ENV.has(key), problems);
  const raw = (key: string): string | undefined => nonEmpty(env[key]) ?? fromFile[key];

  const values = new Map<string, unknown>();
  // STREAMREC_HOME first: other paths' defaults are under it.
  const ordered = [...SETTINGS].sort((a, b) => Number(b.env === 'STREAMREC_HOME') - Number(a.env === 'STREAMREC_HOME'));
  for (const setting of ordered) {
    const v = raw(setting.env);
    const source = v !== undefined && nonEmpty(env[setting.env]) === undefined ? ` (in ${configFile})` : '';
    const fail = (problem: string): void => void problems.push(`${setting.env}: ${problem}${source}`);
    values.set(setting.env, parseSetting(setting, v, fail, values));
  }
  const localPort = values.get('STREAMREC_KAFKA_PORT') as number;
  const brokers = values.get('KAFKA_BROKERS') as string[];
  const external = brokers.length > 0;
  if (!external) brokers.push(`127.0.0.1:${localPort}`);

  const config: Record<string, unknown> = {
    kafka: { external },
    topics: {},
    redis: { explicit: raw('REDIS_URL') !== undefined },
    http: {},
    model: {},
    learner: {},
    refitter: {},
  };
  for (const setting of SETTINGS) setPath(config, setting.path, values.get(setting.env));
  const model = config.model as { k: number; maxK: number };
  if (model.k > model.maxK) problems.push(`DEFAULT_K: must not exceed MAX_K (${model.maxK})`);
  if (problems.length > 0) {
    throw new StreamrecError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, {
      hint: 'fix these environment variables or config file entries (docs/configuration.md, linked from the README, lists every setting and its default)',
    });
  }
  return deepFreeze(config as unknown as Config);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** The setting's value from its raw text; on a bad value, reports it and gives the default. */
function parseSetting(s: Setting, v: string | undefined, fail: (problem: string) => void, values: ReadonlyMap<string, unknown>): unknown {
  switch (s.type) {
    case 'int': {
      if (v === undefined) return s.default;
      const n = Number(v);
      if (Number.isInteger(n) && n >= s.min && n <= s.max) return n;
      fail(`"${v}" must be an integer from ${s.min} to ${s.max}`);
      return s.default;
    }
    case 'intOrAuto': {
      if (v === undefined || v === 'auto') return 'auto';
      const n = Number(v);
      if (Number.isInteger(n) && n >= s.min && n <= s.max) return n;
      fail(`"${v}" must be auto or an integer from ${s.min} to ${s.max}`);
      return 'auto';
    }
    case 'bool': {
      if (v === undefined) return s.default;
      if (['1', 'true', 'yes'].includes(v.toLowerCase())) return true;
      if (['0', 'false', 'no'].includes(v.toLowerCase())) return false;
      fail(`"${v}" must be true or false`);
      return s.default;
    }
    case 'enum':
      if (v === undefined) return s.default;
      if (s.values.includes(v)) return v;
      fail(`"${v}" must be one of ${s.values.join(', ')}`);
      return s.default;
    case 'string': {
      const value = v ?? s.default;
      if (s.format === 'topic' && !/^[a-zA-Z0-9._-]{1,249}$/.test(value)) fail(`"${value}" is not a valid Kafka topic name (letters, digits, . _ -)`);
      if (s.format === 'redisUrl' && !/^rediss?:\/\/.+/.test(value)) fail(`"${value}" is not a redis:// URL`);
      return value;
    }
    case 'optionalString':
      return v;
    case 'brokers': {
      if (v === undefined) return [];
      const brokers = v.split(',').map((b) => b.trim());
      for (const b of brokers) {
        if (!/^[^\s:]+:\d{1,5}$/.test(b)) fail(`"${b}" is not host:port (example: 127.0.0.1:9092)`);
      }
      return brokers;
    }
    case 'weights':
      return parseWeights(v, fail);
    case 'path': {
      if (s.off === true && v === 'off') return undefined;
      if (v !== undefined) return v;
      if (s.default.startsWith('~/')) return join(homedir(), ...s.default.slice(2).split('/'));
      if (s.default.startsWith('$STREAMREC_HOME/')) return join(values.get('STREAMREC_HOME') as string, s.default.slice('$STREAMREC_HOME/'.length));
      return s.default;
    }
  }
}

/** "view=1,purchase=8,dislike=-4": listed types override the defaults. */
function parseWeights(v: string | undefined, fail: (problem: string) => void): EventWeights {
  const out: Record<EventType, number> = { ...DEFAULT_EVENT_WEIGHTS };
  if (v === undefined) return out;
  for (const pair of v.split(',')) {
    const [name, num] = pair.split('=').map((s) => s.trim());
    const w = Number(num);
    if (!isEventType(name)) fail(`"${name}" is not an event type (${EVENT_TYPES.join(', ')})`);
    else if (num === undefined || num === '' || !Number.isFinite(w)) fail(`weight of ${name} must be a number`);
    else out[name] = w;
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const [group, key] = path.split('.');
  if (key === undefined) target[group!] = value;
  else (target[group!] as Record<string, unknown>)[key] = value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

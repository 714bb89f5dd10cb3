import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_EVENT_WEIGHTS, EVENT_TYPES, isEventType, type EventType, type EventWeights } from './core/events.ts';
import { readConfigFile } from './config-file.ts';
import { SETTINGS, type Setting } from './config-schema.ts';
import type { ConfigOf } from './config-types.ts';
import { StreamrecError } from './errors.ts';

/**
 * The shape loadConfig returns. Each setting's variable, type, range, default and meaning is
 * declared once in config-schema.ts, and this type is derived from it (config-types.ts);
 * loadConfig reads the environment (over an optional JSON or YAML file, config-file.ts) once,
 * reports every bad value at once, and returns a frozen object that is passed down as an
 * argument; nothing else reads process.env.
 */
export type Config = ConfigOf<typeof SETTINGS> & ComputedFields;

/** Fields loadConfig computes from other settings (DERIVED_PATHS in config-schema.ts). */
interface ComputedFields {
  readonly kafka: {
    /** True when KAFKA_BROKERS names brokers; otherwise `brokers` is the local stack's one. */
    readonly external: boolean;
  };
  readonly redis: {
    /** True when REDIS_URL was set: never start a local redis-server in its place. */
    readonly explicit: boolean;
  };
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

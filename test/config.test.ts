import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { loadConfig, type Config } from '../src/config.ts';
import { DERIVED_PATHS, SETTINGS } from '../src/config-schema.ts';
import type { EventWeights } from '../src/core/events.ts';
import type { EfSearch } from '../src/core/hnsw-index.ts';
import { StreamrecError } from '../src/errors.ts';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment, frozen', () => {
    const config = loadConfig({});
    expect(config.kafka).toMatchObject({ brokers: ['127.0.0.1:19092'], external: false, localPort: 19092, localControllerPort: 19093 });
    expect(config.redis).toMatchObject({ url: 'redis://127.0.0.1:6379', explicit: false, localPort: 16379 });
    expect(config.topics).toMatchObject({
      clickstream: 'clickstream',
      deadLetter: 'clickstream.dlq',
      recommendations: 'recommendations',
      itemEmbeddings: 'item-embeddings',
      itemNeighbours: 'item-neighbours',
      clickstreamPartitions: 6,
    });
    expect(config.model).toMatchObject({ efSearch: 'auto', seenCap: 200 });
    expect(loadConfig({ HNSW_EF_SEARCH: '128' }).model.efSearch).toBe(128);
    expect(loadConfig({ HNSW_EF_SEARCH: 'auto' }).model.efSearch).toBe('auto');
    expect(config.learner.maxBatchBytes).toBe(4_194_304);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.kafka.brokers)).toBe(true);
  });

  it('derives the local broker from STREAMREC_KAFKA_PORT and marks KAFKA_BROKERS and REDIS_URL as explicit', () => {
    expect(loadConfig({ STREAMREC_KAFKA_PORT: '29092' }).kafka.brokers).toEqual(['127.0.0.1:29092']);
    const external = loadConfig({ KAFKA_BROKERS: 'a:9092, b:9093', REDIS_URL: 'redis://r:6380' });
    expect(external.kafka).toMatchObject({ brokers: ['a:9092', 'b:9093'], external: true });
    expect(external.redis).toMatchObject({ url: 'redis://r:6380', explicit: true });
  });

  it('reports every invalid value at once, each naming its variable', () => {
    let caught: unknown;
    try {
      loadConfig({
        STREAMREC_KAFKA_PORT: '70000',
        KAFKA_BROKERS: 'no-port',
        REDIS_URL: 'http://x',
        CLICKSTREAM_PARTITIONS: '0',
        TOPIC_CLICKSTREAM: 'bad topic',
        READS_REQUIRE_API_KEY: 'maybe',
        LOG_LEVEL: 'loud',
        EVENT_WEIGHTS: 'view=1,teleport=3',
        HNSW_EF_SEARCH: '0',
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StreamrecError);
    const err = caught as StreamrecError;
    expect(err.code).toBe('CONFIG_INVALID');
    for (const key of ['STREAMREC_KAFKA_PORT', 'KAFKA_BROKERS', 'REDIS_URL', 'CLICKSTREAM_PARTITIONS', 'TOPIC_CLICKSTREAM', 'READS_REQUIRE_API_KEY', 'LOG_LEVEL', 'EVENT_WEIGHTS', 'HNSW_EF_SEARCH']) {
      expect(err.message).toContain(`${key}:`);
    }
    expect(err.message).not.toContain('\n');
    expect(err.hint).toMatch(/README/);
  });
});

describe('SETTINGS', () => {
  it('declares each variable once and covers exactly the fields of Config', () => {
    expect(new Set(SETTINGS.map((s) => s.env)).size).toBe(SETTINGS.length);
    const config = loadConfig({});
    const declared = new Set<string>([...SETTINGS.map((s) => s.path), ...DERIVED_PATHS]);
    // Leaves of Config, not descending into a declared value (the weights object).
    const leaves: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (path !== '' && (declared.has(path) || value === null || typeof value !== 'object' || Array.isArray(value))) {
        leaves.push(path);
        return;
      }
      for (const [key, child] of Object.entries(value as object)) walk(child, path === '' ? key : `${path}.${key}`);
    };
    walk(config, '');
    // Optional fields unset by default are present with the value undefined.
    expect(new Set(leaves)).toEqual(declared);
  });
});

describe('Config', () => {
  // Checked by `tsc` (typecheck), not at run time: Config is derived from SETTINGS (config-types.ts).
  it('types each setting as loadConfig gives it', () => {
    expectTypeOf<Config['model']['dim']>().toEqualTypeOf<number>();
    expectTypeOf<Config['model']['efSearch']>().toEqualTypeOf<EfSearch>();
    expectTypeOf<Config['model']['weights']>().toEqualTypeOf<EventWeights>();
    expectTypeOf<Config['kafka']['brokers']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<Config['kafka']['external']>().toEqualTypeOf<boolean>();
    expectTypeOf<Config['redis']['explicit']>().toEqualTypeOf<boolean>();
    expectTypeOf<Config['http']['readsRequireKey']>().toEqualTypeOf<boolean>();
    expectTypeOf<Config['http']['apiKey']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Config['http']['indexSnapshotDir']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Config['stateDir']>().toEqualTypeOf<string>();
    expectTypeOf<Config['learner']['onTopicChange']>().toEqualTypeOf<'refuse' | 'restart'>();
    expectTypeOf<Config['logLevel']>().toEqualTypeOf<'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'>();
    expectTypeOf<keyof Config>().toEqualTypeOf<'kafka' | 'topics' | 'redis' | 'http' | 'model' | 'learner' | 'refitter' | 'stateDir' | 'logLevel' | 'configFile'>();
    expectTypeOf<keyof Config['redis']>().toEqualTypeOf<'url' | 'explicit' | 'localPort' | 'keyPrefix' | 'commandTimeoutMs'>();
  });

  it('is read-only', () => {
    const config = loadConfig({});
    // @ts-expect-error a setting is read-only
    expect(() => (config.model.dim = 3)).toThrow(TypeError);
    // @ts-expect-error so is a list
    expect(() => config.kafka.brokers.push('x:1')).toThrow(TypeError);
  });
});

describe('loadConfig with a config file (STREAMREC_CONFIG)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamrec-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const fileOf = (content: string): string => {
    const file = join(dir, `config-${n++}.json`);
    writeFileSync(file, content);
    return file;
  };
  const problemsOf = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(StreamrecError);
      expect((err as StreamrecError).code).toBe('CONFIG_INVALID');
      return (err as StreamrecError).message;
    }
    throw new Error('expected CONFIG_INVALID');
  };

  it('takes values from the file, the environment overriding them', () => {
    const file = fileOf(JSON.stringify({ KAFKA_BROKERS: 'k:9092', REDIS_URL: 'redis://r:6380', DEFAULT_K: 20, READS_REQUIRE_API_KEY: true, LOG_LEVEL: 'warn' }));
    const config = loadConfig({ STREAMREC_CONFIG: file, LOG_LEVEL: 'debug', DEFAULT_K: '' });
    expect(config.kafka).toMatchObject({ brokers: ['k:9092'], external: true });
    expect(config.redis).toMatchObject({ url: 'redis://r:6380', explicit: true });
    expect(config.model.k).toBe(20);
    expect(config.http.readsRequireKey).toBe(true);
    expect(config.logLevel).toBe('debug');
    expect(config.configFile).toBe(file);
    expect(Object.isFrozen(config.model.weights)).toBe(true);
  });

  it('validates file values like the environment and reports unknown keys, all at once', () => {
    const file = fileOf(JSON.stringify({ CLICKSTREAM_PARTITIONS: 0, TOPIC_CLICKSTREAM: 'bad topic', KAFKA_BROKER: 'x:1', HNSW_EF_SEARCH: [64], STREAMREC_CONFIG: 'other.json' }));
    const message = problemsOf({ STREAMREC_CONFIG: file, LOG_LEVEL: 'loud' });
    for (const key of ['CLICKSTREAM_PARTITIONS', 'TOPIC_CLICKSTREAM', 'KAFKA_BROKER', 'HNSW_EF_SEARCH', 'STREAMREC_CONFIG', 'LOG_LEVEL']) {
      expect(message).toContain(`${key}:`);
    }
    expect(message).toContain(`KAFKA_BROKER: unknown setting in ${file}`);
    expect(message).toContain(`CLICKSTREAM_PARTITIONS: "0" must be an integer from 1 to 1000 (in ${file})`);
    expect(message).not.toContain('\n');
  });

  it('reports a missing or malformed file as a configuration error', () => {
    expect(problemsOf({ STREAMREC_CONFIG: join(dir, 'missing.json') })).toContain('STREAMREC_CONFIG: cannot read');
    expect(problemsOf({ STREAMREC_CONFIG: fileOf('{"SEEN_CAP": ') })).toContain('STREAMREC_CONFIG: cannot read');
    expect(problemsOf({ STREAMREC_CONFIG: fileOf('[1]') })).toContain('must hold one JSON object');
  });

  const yamlOf = (content: string, ext = 'yaml'): string => {
    const file = join(dir, `config-${n++}.${ext}`);
    writeFileSync(file, content);
    return file;
  };

  it('reads a .yaml or .yml file with the same rules: the environment overrides it, values are YAML 1.2 scalars', () => {
    const file = yamlOf(
      [
        '# settings keyed by variable name',
        'KAFKA_BROKERS: k:9092',
        'REDIS_URL: "redis://r:6380"',
        'DEFAULT_K: 20',
        'READS_REQUIRE_API_KEY: yes # a string in YAML 1.2, which the boolean setting accepts',
        'LOG_LEVEL: warn',
        'EVENT_WEIGHTS: view=1,purchase=8',
        'HALF_LIFE_MS: 1.2e6',
        '',
      ].join('\n'),
    );
    const config = loadConfig({ STREAMREC_CONFIG: file, LOG_LEVEL: 'debug', DEFAULT_K: '' });
    expect(config.kafka).toMatchObject({ brokers: ['k:9092'], external: true });
    expect(config.redis).toMatchObject({ url: 'redis://r:6380', explicit: true });
    expect(config.model.k).toBe(20);
    expect(config.model.halfLifeMs).toBe(1_200_000);
    expect(config.model.weights).toMatchObject({ view: 1, purchase: 8 });
    expect(config.http.readsRequireKey).toBe(true);
    expect(config.logLevel).toBe('debug');
    expect(config.configFile).toBe(file);
    expect(loadConfig({ STREAMREC_CONFIG: yamlOf('SEEN_CAP: 7\n', 'yml') }).model.seenCap).toBe(7);
    expect(loadConfig({ STREAMREC_CONFIG: yamlOf('SEEN_CAP: 9\n', 'YAML') }).model.seenCap).toBe(9);
  });

  it('reports unknown keys and bad values in a YAML file like in JSON, all at once', () => {
    const file = yamlOf('CLICKSTREAM_PARTITIONS: 0\nKAFKA_BROKER: x:1\nHNSW_EF_SEARCH: [64]\nAPI_KEY:\n');
    const message = problemsOf({ STREAMREC_CONFIG: file });
    expect(message).toContain(`KAFKA_BROKER: unknown setting in ${file}`);
    expect(message).toContain(`CLICKSTREAM_PARTITIONS: "0" must be an integer from 1 to 1000 (in ${file})`);
    expect(message).toContain(`HNSW_EF_SEARCH: must be a string, number or boolean (in ${file})`);
    expect(message).toContain(`API_KEY: must be a string, number or boolean (in ${file})`);
    expect(message).not.toContain('\n');
  });

  it('says in one line where a YAML file is broken and what to do', () => {
    const cases: Array<[string, string]> = [
      ['DEFAULT_K: 20\n SEEN_CAP: 7\n', 'at line 1, column'],
      ['DEFAULT_K: 20\nDEFAULT_K: 30\n', 'at line 2, column 1: Map keys must be unique'],
      ['API_KEY: "open\n', 'at line 2, column 1: Missing closing "quote'],
      ['DEFAULT_K: 20\n---\nSEEN_CAP: 7\n', 'at line 2, column 1: more than one document (a `---` line); keep one'],
    ];
    for (const [content, expected] of cases) {
      const file = yamlOf(content);
      const message = problemsOf({ STREAMREC_CONFIG: file });
      expect(message).toContain(`STREAMREC_CONFIG: ${file} is not valid YAML ${expected}`);
      expect(message).toContain('fix it there (a `SETTING: value` per line)');
      expect(message).not.toContain('\n');
    }
    expect(problemsOf({ STREAMREC_CONFIG: yamlOf('- DEFAULT_K\n') })).toContain('must hold one mapping of settings');
    expect(problemsOf({ STREAMREC_CONFIG: yamlOf('') })).toContain('must hold one mapping of settings');
    expect(problemsOf({ STREAMREC_CONFIG: join(dir, 'missing.yaml') })).toContain('STREAMREC_CONFIG: cannot read');
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { DERIVED_PATHS, SETTINGS } from '../src/config-schema.ts';
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

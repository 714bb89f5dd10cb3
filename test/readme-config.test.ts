import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config.ts';
import { extractConfigTable, renderConfigTable } from '../src/config-table.ts';

/**
 * The configuration table (docs/configuration.md, linked from the README) is generated from
 * src/config-schema.ts; these checks keep it in step: byte for byte the generated table, the
 * variables loadConfig reads, and every literal default the table states is the one the code
 * applies (setting a variable to its documented default changes nothing).
 */
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const doc = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('## Every setting'));
const rows = [...section.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]*) \|/gm)].map((m) => ({ key: m[1]!, defaultCell: m[2]!.trim() }));

/** Every variable loadConfig reads, found by handing it an environment that records lookups. */
function keysLoadConfigReads(): Set<string> {
  const read = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get(_target, key) {
      if (typeof key === 'string') read.add(key);
      return undefined;
    },
  });
  loadConfig(env);
  return read;
}

// Setting these to any value changes the config by itself (it marks them explicit).
const EXPLICIT_WHEN_SET = new Set(['REDIS_URL', 'KAFKA_BROKERS']);

describe('configuration table', () => {
  it('is the table generated from the schema, and the README leads to it', () => {
    const stale = 'docs/configuration.md configuration table is stale: run `npm run config:table` and commit docs/configuration.md';
    expect(extractConfigTable(doc), stale).toBe(renderConfigTable());
    expect(readme).toContain('](docs/configuration.md)');
  });

  it('lists exactly the variables loadConfig reads', () => {
    expect(rows.length).toBeGreaterThan(20);
    expect(new Set(rows.map((r) => r.key))).toEqual(keysLoadConfigReads());
  });

  it('states the defaults the code applies', () => {
    const defaults: Config = loadConfig({});
    let checked = 0;
    for (const { key, defaultCell } of rows) {
      // Only a cell that starts with one literal in backticks states a value; prose, paths under
      // $STREAMREC_HOME or ~ and "(none)" are descriptions.
      const literal = /^`([^`$~]+)`/.exec(defaultCell)?.[1];
      if (literal === undefined || EXPLICIT_WHEN_SET.has(key)) continue;
      expect(loadConfig({ [key]: literal }), `${key}: README says ${literal}`).toEqual(defaults);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });
});

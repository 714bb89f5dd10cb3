import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('openInspection (what streamrec inspect loads)', () => {
  it('loads the model and Redis without the HTTP stack', async () => {
    // CommonJS packages land in the require cache whoever imported them.
    const probe = [
      "const { createRequire } = await import('node:module');",
      "await import('./src/serving/inspection.ts');",
      "await import('./src/adapters/http/views.ts');",
      'const cache = createRequire(import.meta.url).cache;',
      "console.log(JSON.stringify(Object.keys(cache).map((p) => p.split('node_modules/').at(-1).split('/').slice(0, 2).join('/'))));",
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { timeout: 60_000 });
    const loaded = JSON.parse(stdout) as string[];
    expect(loaded.some((p) => p.startsWith('ioredis/'))).toBe(true);
    for (const heavy of ['fastify/', '@fastify/', 'ajv/', 'fast-json-stringify/', 'prom-client/', 'light-my-request/']) {
      expect(loaded.filter((p) => p.startsWith(heavy))).toEqual([]);
    }
  });
});

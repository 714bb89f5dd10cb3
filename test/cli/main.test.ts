import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
// Loading any of these takes the CLI from ~0.1 s to seconds; only a command's action may.
const HEAVY = ['kafkajs', 'ioredis', 'fastify', 'hnswlib-node'];

describe('streamrec --help', () => {
  it('prints every command and each command\'s help without loading a client library', async () => {
    // The CJS packages an ESM import loads are in require.cache; stdout is kept aside.
    const script = `import { createRequire } from 'node:module';
      const helps = [];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = (chunk) => (helps.push(String(chunk)), true);
      process.argv = [process.argv[0], 'streamrec', '--help'];
      const { buildProgram } = await import(${JSON.stringify(join(process.cwd(), 'src/cli/main.ts'))});
      for (const name of buildProgram().commands.map((c) => c.name())) {
        await buildProgram().parseAsync(['node', 'streamrec', name, '--help']).catch(() => undefined);
      }
      process.stdout.write = write;
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({ helps, loaded }));`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 60_000 });
    const { helps, loaded } = JSON.parse(stdout) as { helps: string[]; loaded: string[] };
    const text = helps.join('');
    for (const command of ['stack', 'start', 'train', 'learn', 'refit', 'feed', 'eval', 'serve', 'inspect', 'simulate', 'model', 'reset']) {
      expect(text).toContain(`Usage: streamrec ${command}`);
    }
    expect(text).toContain('--refit-every <n>');
    const heavy = HEAVY.filter((name) => loaded.some((path) => path.includes(`/node_modules/${name}/`)));
    expect(heavy).toEqual([]);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { addConfigOption } from '../../src/cli/config-option.ts';
import { loadConfig, type Config } from '../../src/config.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configFile(settings: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'streamrec-config-'));
  dirs.push(dir);
  const file = join(dir, 'streamrec.json');
  writeFileSync(file, JSON.stringify(settings));
  return file;
}

/** Runs `streamrec ...argv` on a program whose one command loads the config from `env`. */
async function configOf(argv: string[], env: Record<string, string | undefined>): Promise<Config | undefined> {
  let loaded: Config | undefined;
  const program = addConfigOption(new Command('streamrec').exitOverride(), env);
  program.command('show').action(() => {
    loaded = loadConfig(env);
  });
  await program.parseAsync(['node', 'streamrec', ...argv]);
  return loaded;
}

describe('streamrec --config FILE', () => {
  it('loads the file before the command runs, given before or after the command', async () => {
    const file = configFile({ HTTP_STORE_TIMEOUT_MS: 300 });
    expect((await configOf(['--config', file, 'show'], {}))?.http.storeTimeoutMs).toBe(300);
    const env: Record<string, string | undefined> = {};
    const config = await configOf(['show', '--config', file], env);
    expect(config?.http.storeTimeoutMs).toBe(300);
    expect(config?.configFile).toBe(file);
    expect(env.STREAMREC_CONFIG).toBe(file);
  });

  it('leaves STREAMREC_CONFIG alone without the option', async () => {
    const file = configFile({ SEEN_CAP: 7 });
    expect((await configOf(['show'], { STREAMREC_CONFIG: file }))?.model.seenCap).toBe(7);
    expect((await configOf(['show'], {}))?.model.seenCap).toBe(200);
  });
});

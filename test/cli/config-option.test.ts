import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { addConfigOption } from '../../src/cli/config-option.ts';
import { loadConfig, type Config } from '../../src/config.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configFile(settings: object | string, name = 'streamrec.json'): string {
  const dir = mkdtempSync(join(tmpdir(), 'streamrec-config-'));
  dirs.push(dir);
  const file = join(dir, name);
  writeFileSync(file, typeof settings === 'string' ? settings : JSON.stringify(settings));
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

  it('takes a YAML file as well', async () => {
    const file = configFile('HTTP_STORE_TIMEOUT_MS: 300\nSEEN_CAP: 7\n', 'streamrec.yaml');
    const config = await configOf(['--config', file, 'show'], { SEEN_CAP: '8' });
    expect(config?.http.storeTimeoutMs).toBe(300);
    expect(config?.model.seenCap).toBe(8);
  });

  it('stops a command on a broken YAML file with one line naming the file and the line, no stack trace', async () => {
    const file = configFile('DEFAULT_K: 20\nDEFAULT_K: 30\n', 'broken.yml');
    const failed = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--config', file, 'inspect', 'user', 'u1'], {
      timeout: 60_000,
      env: { ...process.env, STREAMREC_CONFIG: '' },
    }).then(
      () => undefined,
      (err: unknown) => err as { code: number; stdout: string; stderr: string },
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toBe('');
    const lines = failed?.stderr.trim().split('\n') ?? [];
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^streamrec: invalid configuration: STREAMREC_CONFIG: ${file} is not valid YAML at line 2, column 1: Map keys must be unique; fix it there`));
  });
});

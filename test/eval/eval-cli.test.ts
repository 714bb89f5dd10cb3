import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'streamrec-eval-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function streamrec(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { timeout: 60_000, env: { ...process.env, LOG_LEVEL: 'silent' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('streamrec simulate + eval end to end', () => {
  it('simulates a file, evaluates it, and writes the table, results.json and hit-rate.svg', async () => {
    const file = join(dir, 'sim.jsonl');
    const sim = await streamrec('simulate', '--users', '100', '--items', '80', '--events', '2000', '--seed', '5', '--out', file);
    expect(sim.code).toBe(0);
    expect(sim.stderr).toMatch(/simulated 2000 events/);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2000);

    const out = join(dir, 'report');
    const r = await streamrec('eval', file, '--format', 'jsonl', '--models', 'popularity,itemknn', '--k', '5', '--out', out, '--quiet');
    expect(r.stderr).not.toMatch(/streamrec:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/model\s+HR@5\s+NDCG@5\s+MRR@5\s+HR@20\s+MRR@20\s+coverage\s+events\/s/);
    expect(r.stdout).toMatch(/^popularity\s+0\.\d{4}/m);
    expect(r.stdout).toMatch(/^itemknn\s+0\.\d{4}/m);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      k: number;
      events: number;
      models: Array<{ name: string; hitRate: number; hitRate20: number; mrr20: number; windowHitRate: number[] }>;
    };
    expect(json.k).toBe(5);
    expect(json.events).toBe(2000);
    expect(json.models.map((m) => m.name)).toEqual(['popularity', 'itemknn']);
    expect(json.models[1]!.windowHitRate.length).toBeGreaterThan(10);
    expect(json.models[1]!.hitRate20).toBeGreaterThanOrEqual(json.models[1]!.hitRate);
    expect(json.models[1]!.mrr20).toBeGreaterThan(0);
    const svg = readFileSync(join(out, 'hit-rate.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('itemknn');

    // Without --quiet and with stderr a pipe (no bar can redraw), a line per tenth of the replay.
    const loud = await streamrec('eval', file, '--format', 'jsonl', '--models', 'popularity', '--out', join(dir, 'loud'));
    expect(loud.code).toBe(0);
    const lines = loud.stderr.split('\n').filter((l) => l.startsWith('replay: '));
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines.length).toBeLessThanOrEqual(10);
    expect(lines.at(-1)).toMatch(/^replay: 100% \(2,000 of 2,000 events, \d+ s\)$/);
  });

  it('answers bad arguments and unreadable files with one line naming the fix', async () => {
    const file = join(dir, 'bad.data');
    writeFileSync(file, 'this is not\ta rating file\n');
    const cases: Array<[string[], RegExp]> = [
      [['eval', file, '--format', 'csv'], /unknown format "csv" — use --format with one of movielens/],
      [['eval', join(dir, 'missing.data'), '--format', 'movielens'], /file not found/],
      [['eval', dir, '--format', 'movielens'], /is a directory/],
      [['eval', file, '--format', 'movielens', '--models', 'popularity,magic'], /unknown model "magic"/],
      [['eval', file, '--format', 'movielens', '--k', '0'], /--k must be a positive integer/],
      [['eval', file, '--format', 'movielens', '--refit-every', 'often'], /--refit-every must be a positive integer or auto, got "often"/],
      [['eval', file, '--format', 'movielens', '--quiet'], /no events could be read.*check that --format movielens matches/],
      [['simulate', '--events', 'many'], /--events must be an integer/],
      [['eval', file, '--format', 'movielens', '--session-gap', '0'], /--session-gap must be a positive integer, got "0"/],
      [['simulate', '--sequential', '1.5'], /--sequential must be a number from 0 to 1, got "1.5"/],
    ];
    const results = await Promise.all(cases.map(([args]) => streamrec(...args)));
    for (const [i, [args, pattern]] of cases.entries()) {
      const r = results[i]!;
      expect(r.code, args.join(' ')).toBe(1);
      const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('streamrec:'));
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0], args.join(' ')).toMatch(pattern);
    }
  });
});

import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILD_STAMP, buildState } from '../../src/cli/build-state.mjs';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A repository with one source file and, when built, a stamp; times in seconds since the epoch. */
function repo(sourceAt: number, stampAt?: number): string {
  const root = mkdtempSync(join(tmpdir(), 'streamrec-build-state-'));
  roots.push(root);
  mkdirSync(join(root, 'src', 'core'), { recursive: true });
  writeFileSync(join(root, 'src', 'core', 'a.ts'), 'export {};\n');
  for (const p of ['src/core/a.ts', 'src/core', 'src']) utimesSync(join(root, p), sourceAt, sourceAt);
  if (stampAt !== undefined) {
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, BUILD_STAMP), '');
    utimesSync(join(root, BUILD_STAMP), stampAt, stampAt);
  }
  return root;
}

describe('buildState (whether the bin runs dist/ or the sources)', () => {
  it('is missing without a build, fresh after one, stale once a source is newer', () => {
    expect(buildState(repo(1000))).toBe('missing');
    expect(buildState(repo(1000, 2000))).toBe('fresh');
    expect(buildState(repo(3000, 2000))).toBe('stale');
  });

  it('sees a removed source through its folder', () => {
    const root = repo(1000, 2000);
    rmSync(join(root, 'src', 'core', 'a.ts'));
    expect(buildState(root)).toBe('stale');
  });

  it('ignores docs and the tsx shims, which the build does not read', () => {
    const root = repo(1000, 2000);
    for (const name of ['README.md', 'x-worker.mjs']) {
      writeFileSync(join(root, 'src', 'core', name), '');
      utimesSync(join(root, 'src', 'core', name), 3000, 3000);
    }
    utimesSync(join(root, 'src', 'core'), 1000, 1000);
    expect(buildState(root)).toBe('fresh');
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Loads an engine module by repo-relative path if it has landed on this branch yet, so
 * a benchmark can report "not landed" instead of failing to typecheck. The caller checks
 * the shape it needs.
 */
export async function importIfPresent(relPath: string): Promise<Record<string, unknown> | undefined> {
  const abs = join(REPO_ROOT, relPath);
  if (!existsSync(abs)) return undefined;
  return (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
}

export function packageVersion(name: string): string | undefined {
  const file = join(REPO_ROOT, 'node_modules', name, 'package.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
}

/** BENCH_PROFILE_DIR=dir: a child Node process writes a V8 CPU profile there when it exits (open in Chrome DevTools). */
export function profileArgs(): string[] {
  const dir = process.env.BENCH_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

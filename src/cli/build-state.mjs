// Whether dist/ holds a build of the current sources. Plain JavaScript: the bin reads it
// before it knows whether tsx is needed, and scripts/build.mjs stamps what it reads.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Written last by `npm run build`: its mtime is when dist/ was complete. */
export const BUILD_STAMP = join('dist', '.build-stamp');
/** What the build reads: the TypeScript, and every other file, copied beside it. */
export const SOURCE_DIRS = ['src', 'workers'];

/** Docs, declarations and the .mjs shims that load tsx for the sources are not built. */
export function isBuildInput(name) {
  return !/\.(md|mjs|d\.mts)$/.test(name);
}

/**
 * Newest mtime (ms) of the build's inputs under dir. Folders count too, so an added,
 * removed or renamed file shows even when every remaining file is older.
 */
function newestMtimeMs(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtimeMs(path));
    else if (isBuildInput(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** 'fresh' | 'missing' | 'stale' for the repository at root. */
export function buildState(root) {
  let builtMs;
  try {
    builtMs = statSync(join(root, BUILD_STAMP)).mtimeMs;
  } catch {
    return 'missing';
  }
  for (const dir of SOURCE_DIRS) {
    let newest;
    try {
      newest = newestMtimeMs(join(root, dir));
    } catch {
      continue; // an install without sources runs what was built
    }
    if (newest > builtMs) return 'stale';
  }
  return 'fresh';
}

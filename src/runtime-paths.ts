import { fileURLToPath } from 'node:url';

// This module sits at src/ in the sources (tsx, vitest) and at dist/src/ once compiled.
const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** The repository root, where data/ lives, whichever copy of the code is running. */
export const REPO_ROOT = fileURLToPath(new URL(FROM_SOURCES ? '../' : '../../', import.meta.url));

/**
 * The entry of a worker thread named `name` beside the module at `from` (its
 * import.meta.url): compiled, the .js itself; from the sources, the .mjs shim that
 * registers tsx first, since Node 20 threads do not inherit the main thread's loader.
 */
export function threadEntry(name: string, from: string): URL {
  return new URL(`./${name}${FROM_SOURCES ? '.mjs' : '.js'}`, from);
}

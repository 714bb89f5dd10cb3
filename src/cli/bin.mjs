#!/usr/bin/env node
// `streamrec`: the compiled CLI in dist/ (`npm ci` builds it). When dist/ is missing or older
// than the sources (edited without `npm run build`), say so in one line and run the sources
// through tsx instead: never stale code.
import { fileURLToPath } from 'node:url';
import { buildState } from './build-state.mjs';

const root = new URL('../../', import.meta.url);
const state = buildState(fileURLToPath(root));
if (state === 'fresh') {
  if (process.env.STREAMREC_DEBUG) process.setSourceMapsEnabled(true);
  await import(new URL('dist/src/cli/main.js', root).href);
} else {
  const why = state === 'missing' ? 'no build in dist/' : 'dist/ is older than src/';
  process.stderr.write(`streamrec: ${why} (npm run build); running the sources through tsx\n`);
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}

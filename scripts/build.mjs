// `npm run build` (also the last step of `npm ci`): src and workers compiled to dist/ with
// tsc, every other file copied along (the code reads its Lua scripts, page and the broker's
// pom beside itself through import.meta.url), then the stamp the bin checks.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_STAMP, isBuildInput, SOURCE_DIRS } from '../src/cli/build-state.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));

function copyAssets(dir) {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = join(dir, entry.name);
    if (entry.isDirectory()) copyAssets(rel);
    else if (isBuildInput(entry.name) && extname(entry.name) !== '.ts') {
      mkdirSync(dirname(join(root, 'dist', rel)), { recursive: true });
      copyFileSync(join(root, rel), join(root, 'dist', rel));
    }
  }
}

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // An install without devDependencies: the bin runs the sources through tsx.
  process.stderr.write('streamrec build: typescript is not installed; skipped (the CLI will run the sources through tsx)\n');
  process.exit(0);
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
for (const dir of SOURCE_DIRS) copyAssets(dir);
writeFileSync(join(root, BUILD_STAMP), `${new Date().toISOString()}\n`);

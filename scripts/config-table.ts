// `npm run config:table`: writes the README's configuration table from src/config-schema.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigTable, spliceConfigTable } from '../src/config-table.ts';

const readmeUrl = new URL('../README.md', import.meta.url);
const before = readFileSync(readmeUrl, 'utf8');
const after = spliceConfigTable(before, renderConfigTable());
if (after === before) {
  process.stdout.write('README.md: configuration table already up to date\n');
} else {
  writeFileSync(readmeUrl, after);
  process.stdout.write('README.md: configuration table rewritten from src/config-schema.ts\n');
}

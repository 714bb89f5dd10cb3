// `npm run config:table`: writes the configuration table of docs/configuration.md from src/config-schema.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigTable, spliceConfigTable } from '../src/config-table.ts';

const docUrl = new URL('../docs/configuration.md', import.meta.url);
const before = readFileSync(docUrl, 'utf8');
const after = spliceConfigTable(before, renderConfigTable());
if (after === before) {
  process.stdout.write('docs/configuration.md: configuration table already up to date\n');
} else {
  writeFileSync(docUrl, after);
  process.stdout.write('docs/configuration.md: configuration table rewritten from src/config-schema.ts\n');
}

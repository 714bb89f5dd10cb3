import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import type * as Yaml from 'yaml';

/**
 * The settings file of STREAMREC_CONFIG (`--config FILE`): YAML when it is named .yaml or
 * .yml, JSON otherwise; either way one mapping of setting names to strings, numbers or
 * booleans. Returns the values as the environment would spell them. Every problem goes to
 * `problems`, one line each, so loadConfig reports them with the rest at once.
 */
export function readConfigFile(file: string, isSetting: (key: string) => boolean, problems: string[]): Record<string, string> {
  const yaml = /^\.ya?ml$/i.test(extname(file));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`STREAMREC_CONFIG: cannot read ${file} as ${yaml ? 'YAML' : 'JSON'} (${err instanceof Error ? err.message : String(err)})`);
    return {};
  }
  const parsed = yaml ? parseYaml(file, text, problems) : parseJson(file, text, problems);
  if (parsed === undefined) return {};
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push(yaml ? `STREAMREC_CONFIG: ${file} must hold one mapping of settings, a \`SETTING: value\` per line` : `STREAMREC_CONFIG: ${file} must hold one JSON object of settings`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!isSetting(key) || key === 'STREAMREC_CONFIG') {
      problems.push(`${key}: unknown setting in ${file}`);
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      if (value !== '') out[key] = String(value);
    } else {
      problems.push(`${key}: must be a string, number or boolean (in ${file})`);
    }
  }
  return out;
}

function parseJson(file: string, text: string, problems: string[]): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    problems.push(`STREAMREC_CONFIG: cannot read ${file} as JSON (${err instanceof Error ? err.message : String(err)})`);
    return undefined;
  }
}

/**
 * YAML 1.2 (the `yaml` package's default core schema: `yes` and `on` stay strings, duplicate
 * keys are errors). Loaded only for a YAML file: a command without one never pays for it.
 */
function parseYaml(file: string, text: string, problems: string[]): unknown {
  const { parseDocument } = createRequire(import.meta.url)('yaml') as typeof Yaml;
  const doc = parseDocument(text);
  const error = doc.errors[0];
  if (error === undefined) return doc.toJS() as unknown;
  const at = error.linePos?.[0];
  // The parser's message ends with the position and a snippet on further lines; the line and column are said here.
  const reason = error.code === 'MULTIPLE_DOCS' ? 'more than one document (a `---` line); keep one' : (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
  const where = at ? ` at line ${at.line}, column ${at.col}` : '';
  problems.push(`STREAMREC_CONFIG: ${file} is not valid YAML${where}: ${reason}; fix it there (a \`SETTING: value\` per line)`);
  return undefined;
}

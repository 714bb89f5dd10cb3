import { DEFAULT_EVENT_WEIGHTS_TEXT, SETTINGS, type Setting } from './config-schema.ts';

/** The configuration table (docs/configuration.md) lies between these markers; `npm run config:table` writes it. */
export const TABLE_START = '<!-- config-table:start -->';
export const TABLE_END = '<!-- config-table:end -->';

/** The Markdown table of every setting, one row each in SETTINGS order. */
export function renderConfigTable(settings: readonly Setting[] = SETTINGS): string {
  const rows = settings.map((s) => `| \`${s.env}\` | ${defaultCell(s)} | ${valuesCell(s)} | ${s.doc} |`);
  return ['| Variable | Default | Values | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** `markdown` with the text between the markers replaced by `table`. */
export function spliceConfigTable(markdown: string, table: string): string {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`the document lacks ${TABLE_START} … ${TABLE_END}`);
  return `${markdown.slice(0, start + TABLE_START.length)}\n${table}\n${markdown.slice(end)}`;
}

/** The text between the markers, without the newlines next to them. */
export function extractConfigTable(markdown: string): string | undefined {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < start) return undefined;
  return markdown.slice(start + TABLE_START.length, end).replace(/^\n/, '').replace(/\n$/, '');
}

function defaultCell(s: Setting): string {
  const note = s.defaultNote === undefined ? '' : ` ${s.defaultNote}`;
  switch (s.type) {
    case 'int':
    case 'bool':
    case 'enum':
    case 'string':
    case 'path':
    case 'intOrAuto':
      return `\`${String(s.default)}\`${note}`;
    case 'optionalString':
      return '_(none)_';
    case 'brokers':
      return '_(empty: the local stack, `127.0.0.1:$STREAMREC_KAFKA_PORT`)_';
    case 'weights':
      return `\`${DEFAULT_EVENT_WEIGHTS_TEXT}\``;
  }
}

function valuesCell(s: Setting): string {
  const unit = s.unit === undefined ? '' : ` ${s.unit}`;
  switch (s.type) {
    case 'int':
      return `${s.min}–${s.max}${unit}`;
    case 'intOrAuto':
      return `\`auto\` or ${s.min}–${s.max}${unit}`;
    case 'bool':
      return '`true`, `false`';
    case 'enum':
      return s.values.map((v) => `\`${v}\``).join(', ');
    case 'string':
      if (s.format === 'topic') return 'topic name';
      if (s.format === 'redisUrl') return '`redis://` or `rediss://` URL';
      return 'text';
    case 'optionalString':
      return s.format === 'path' ? 'path' : 'text';
    case 'brokers':
      return '`host:port`, …';
    case 'weights':
      return '`type=number`, …';
    case 'path':
      return s.off === true ? 'path or `off`' : 'path';
  }
}

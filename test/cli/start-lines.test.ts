import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { eventsCurlLine } from '../../src/cli/start-action.ts';

/** What bash makes of the printed line: its words after `curl`, one per line, with `env`. */
function wordsBashSees(line: string, env: Record<string, string>): string[] {
  expect(line.startsWith('curl ')).toBe(true);
  const script = `printf '%s\\n' ${line.slice('curl '.length)}`;
  return execFileSync('bash', ['-c', script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' }).trimEnd().split('\n');
}

describe('the events curl line start prints', () => {
  it('sends the key from the shell\'s API_KEY when the user chose one', () => {
    const words = wordsBashSees(eventsCurlLine('http://127.0.0.1:8080', 'u359', undefined), { API_KEY: 'k-from-shell' });
    expect(words).toContain('x-api-key: k-from-shell');
  });

  it('carries a generated key as it is, and a body that parses as the event schema', () => {
    const words = wordsBashSees(eventsCurlLine('http://127.0.0.1:8080', 'u"1', 'abc123'), {});
    expect(words).toContain('x-api-key: abc123');
    const body = JSON.parse(words[words.indexOf('-d') + 1]!) as { userId: string; ts: number };
    expect(body.userId).toBe('u"1');
    expect(Math.abs(body.ts - Date.now())).toBeLessThan(60_000);
    expect(words).toContain('http://127.0.0.1:8080/v1/events');
  });
});

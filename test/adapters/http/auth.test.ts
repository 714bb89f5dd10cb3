import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createKeyCheck } from '../../../src/adapters/http/auth.ts';
import { isStreamrecError } from '../../../src/errors.ts';

const request = (key: string, ip = '10.0.0.1') => ({ ip, headers: { 'x-api-key': key } }) as unknown as FastifyRequest;

function codeOf(check: (r: FastifyRequest) => void, r: FastifyRequest): string {
  try {
    check(r);
    return 'OK';
  } catch (err) {
    return isStreamrecError(err) ? err.code : 'THROWN';
  }
}

describe('createKeyCheck', () => {
  it('counts wrong keys per client in one-minute windows', () => {
    let nowMs = 1_000_000;
    const check = createKeyCheck('secret', { failuresPerMinute: 3, nowMs: () => nowMs });
    expect([1, 2, 3].map(() => codeOf(check, request('guess')))).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED']);
    expect(codeOf(check, request('guess'))).toBe('RATE_LIMITED');
    expect(codeOf(check, request('secret'))).toBe('RATE_LIMITED');
    expect(codeOf(check, request('secret', '10.0.0.2'))).toBe('OK');
    nowMs += 59_999;
    expect(codeOf(check, request('secret'))).toBe('RATE_LIMITED');
    nowMs += 1;
    expect(codeOf(check, request('secret'))).toBe('OK');
    expect(codeOf(check, request('guess'))).toBe('UNAUTHORIZED');
  });

  it('right and missing keys are not counted', () => {
    const check = createKeyCheck('secret', { failuresPerMinute: 1, nowMs: () => 0 });
    for (let i = 0; i < 5; i++) {
      expect(codeOf(check, request('secret'))).toBe('OK');
      expect(codeOf(check, { ip: '10.0.0.1', headers: {} } as unknown as FastifyRequest)).toBe('UNAUTHORIZED');
    }
    expect(codeOf(check, request('guess'))).toBe('UNAUTHORIZED');
    expect(codeOf(check, request('secret'))).toBe('RATE_LIMITED');
  });
});

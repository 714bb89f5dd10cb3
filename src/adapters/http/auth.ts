import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { StreamrecError } from '../../errors.ts';

/**
 * API key check for writes (and reads when configured). Keys travel in `x-api-key` or
 * `Authorization: Bearer`. Both sides are hashed first so timingSafeEqual always gets
 * equal-length inputs and the comparison time says nothing about the key's length.
 */
export function createKeyCheck(apiKey: string | undefined): (request: FastifyRequest) => void {
  const expected = apiKey === undefined ? undefined : digest(apiKey);
  return (request) => {
    if (expected === undefined) {
      throw new StreamrecError('UNAUTHORIZED', 'this route needs an API key, and none is configured on the server', {
        hint: 'set API_KEY for the API process and send it in the x-api-key header',
      });
    }
    const presented = presentedKey(request);
    if (presented === undefined) {
      throw new StreamrecError('UNAUTHORIZED', 'missing API key', {
        hint: 'send it in the x-api-key header (or Authorization: Bearer KEY)',
      });
    }
    if (!timingSafeEqual(digest(presented), expected)) {
      throw new StreamrecError('UNAUTHORIZED', 'wrong API key');
    }
  };
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice('Bearer '.length);
  return undefined;
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { StreamrecError } from '../../errors.ts';

export interface KeyCheckOptions {
  /** Wrong keys one client may present per minute; past it every keyed request of it is a 429 until the minute ends. */
  failuresPerMinute: number;
  nowMs: () => number;
}

const WINDOW_MS = 60_000;
// Clients whose failures are remembered; past it expired windows are swept, then the oldest dropped.
const MAX_TRACKED_CLIENTS = 10_000;

/**
 * API key check for writes (and reads when configured). Keys travel in `x-api-key` or
 * `Authorization: Bearer`. Both sides are hashed first so timingSafeEqual always gets
 * equal-length inputs and the comparison time says nothing about the key's length.
 * Wrong keys are counted per client address in fixed one-minute windows: a client past
 * the limit gets 429 even with the right key, so guessing gains nothing from the answers.
 */
export function createKeyCheck(
  apiKey: string | undefined,
  options: KeyCheckOptions,
): (request: FastifyRequest, reply?: FastifyReply) => void {
  const expected = apiKey === undefined ? undefined : digest(apiKey);
  const failures = new Map<string, { windowStartMs: number; count: number }>();

  function windowOf(client: string, nowMs: number) {
    const entry = failures.get(client);
    if (entry && nowMs - entry.windowStartMs < WINDOW_MS) return entry;
    if (entry) failures.delete(client);
    return undefined;
  }

  function recordFailure(client: string, nowMs: number): void {
    const entry = windowOf(client, nowMs);
    if (entry) {
      entry.count++;
      return;
    }
    if (failures.size >= MAX_TRACKED_CLIENTS) {
      for (const [id, e] of failures) if (nowMs - e.windowStartMs >= WINDOW_MS) failures.delete(id);
      if (failures.size >= MAX_TRACKED_CLIENTS) failures.delete(failures.keys().next().value!);
    }
    failures.set(client, { windowStartMs: nowMs, count: 1 });
  }

  return (request, reply) => {
    if (expected === undefined) {
      throw new StreamrecError('UNAUTHORIZED', 'this route needs an API key, and none is configured on the server', {
        hint: 'set API_KEY for the API process and send it in the x-api-key header',
      });
    }
    const nowMs = options.nowMs();
    const client = request.ip;
    const window = windowOf(client, nowMs);
    if (window && window.count >= options.failuresPerMinute) {
      const retryAfterS = Math.max(1, Math.ceil((window.windowStartMs + WINDOW_MS - nowMs) / 1000));
      void reply?.header('retry-after', String(retryAfterS));
      throw new StreamrecError('RATE_LIMITED', `too many wrong API keys from this client; retry in ${retryAfterS} s`);
    }
    const presented = presentedKey(request);
    if (presented === undefined) {
      throw new StreamrecError('UNAUTHORIZED', 'missing API key', {
        hint: 'send it in the x-api-key header (or Authorization: Bearer KEY)',
      });
    }
    if (!timingSafeEqual(digest(presented), expected)) {
      recordFailure(client, nowMs);
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

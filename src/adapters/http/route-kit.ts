import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { validateId } from '../../core/events.ts';
import { isStreamrecError, StreamrecError } from '../../errors.ts';
import { withTimeout } from '../../lifecycle.ts';
import type { AppDeps } from './deps.ts';
import type { HttpMetrics } from './metrics.ts';

export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What every route module receives: the deps plus the app-wide helpers. */
export interface RouteContext {
  deps: AppDeps;
  metrics: HttpMetrics;
  /** onRequest hook for writes and admin routes: runs before the body is read or validated. */
  requireKey: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** onRequest hook for reads: a no-op unless config.http.readsRequireKey. */
  readKey: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Whether this request may see what reads show: true unless reads need a key and it has no right one. */
  mayRead: (request: FastifyRequest) => boolean;
  nowMs: () => number;
}

/**
 * A route group: a fastify plugin registered with the RouteContext as its options, so each
 * group is its own encapsulated context (hooks or decorators it adds stay inside it).
 */
export type RoutePlugin = FastifyPluginAsyncTypebox<RouteContext>;

/** Throws a 400 that names the field and what is wrong with it. */
export function requireValidId(value: string, field: string): string {
  const problem = validateId(value, field);
  if (problem) throw new StreamrecError('BAD_REQUEST', problem, { hint: 'ids are 1-128 letters, digits or _-.:@/+=~' });
  return value;
}

/** A store read in the request path: bounded, and its failure typed as retryable. */
export function boundedRead<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return withTimeout(promise, timeoutMs, () => new StreamrecError('REDIS_UNAVAILABLE', `${what} took longer than ${timeoutMs} ms`));
}

/**
 * A store write in the request path: bounded, and an untyped failure (a client error from
 * ioredis, say) typed as a retryable REDIS_UNAVAILABLE. Typed failures keep their code.
 */
export async function boundedWrite(promise: Promise<void>, timeoutMs: number, what: string): Promise<void> {
  try {
    await withTimeout(promise, timeoutMs, () => new StreamrecError('REDIS_UNAVAILABLE', `${what} took longer than ${timeoutMs} ms`));
  } catch (err) {
    const typed = isStreamrecError(err) && err.code !== 'INTERNAL';
    throw new StreamrecError(typed ? err.code : 'REDIS_UNAVAILABLE', typed ? err.message : `${what} failed: the store did not answer`, {
      cause: err,
      hint: (typed ? err.hint : undefined) ?? 'writes are idempotent; retry the request',
    });
  }
}

export function toNumbers(v: Float32Array): number[] {
  return Array.from(v, (x) => Math.round(x * 1e6) / 1e6);
}

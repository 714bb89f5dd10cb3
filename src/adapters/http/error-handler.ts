import type { FastifyError, FastifyInstance } from 'fastify';
import { HTTP_STATUS, isStreamrecError, type ErrorCode } from '../../errors.ts';

interface ErrorReply {
  error: ErrorCode | string;
  message: string;
  hint?: string;
}

// Fastify's own 4xx errors (bad JSON, body too large, wrong content type, rate limit)
// carry a statusCode; they are the client's fault and keep their status and message.
const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
};

/**
 * One place maps failures to HTTP: StreamrecError codes through HTTP_STATUS, schema
 * failures to 400 with the field named, other client errors keep their 4xx, and anything
 * else is a 500 whose details stay in the log (never a stack trace in a response).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const { status, body } = toReply(err);
    // Seconds; a retryable failure (a dependency down, a timeout) usually clears that fast.
    if (isStreamrecError(err) && err.retryable) void reply.header('retry-after', '1');
    if (request.raw.destroyed || reply.raw.destroyed) {
      // The client hung up (a reset, a timeout of its own): nobody reads the answer and nothing here is broken.
      request.log.info({ error: errorCodeOf(err), message: err.message }, 'client closed the connection before the answer');
    } else if (status >= 500 && isStreamrecError(err) && err.retryable) {
      // Expected failures (a dependency down, a bounded call timing out): their code and message say it all.
      request.log.warn({ error: err.code, message: err.message }, 'request failed');
    } else if (status >= 500) {
      request.log.error({ err }, 'request failed');
    } else {
      request.log.debug({ err: err.message }, 'client error');
    }
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: 'NOT_FOUND',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
      hint: 'the API is described at /docs',
    } satisfies ErrorReply),
  );
}

function errorCodeOf(err: FastifyError): string {
  return isStreamrecError(err) ? err.code : (err.code ?? 'INTERNAL');
}

function toReply(err: FastifyError): { status: number; body: ErrorReply } {
  if (isStreamrecError(err)) {
    const status = HTTP_STATUS[err.code];
    const body: ErrorReply = { error: err.code, message: status >= 500 && err.code === 'INTERNAL' ? 'internal error' : err.message };
    if (err.hint) body.hint = err.hint;
    return { status, body };
  }
  if (err.validation) {
    const where = err.validationContext ?? 'request';
    const what = err.validation.map((v) => `${where}${v.instancePath.replaceAll('/', '.') || ''} ${v.message ?? 'is invalid'}`);
    return {
      status: 400,
      body: { error: 'BAD_REQUEST', message: what.join('; '), hint: 'the request schema is at /docs' },
    };
  }
  const status = err.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, body: { error: CODE_BY_STATUS[status] ?? 'BAD_REQUEST', message: err.message } };
  }
  return { status: 500, body: { error: 'INTERNAL', message: 'internal error' } };
}

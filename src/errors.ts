/**
 * One error type for the whole engine. Callers branch on `code` and `retryable`,
 * never on message text: the Kafka handler pauses and retries retryable errors and
 * dead-letters the rest; the HTTP layer maps codes to statuses with HTTP_STATUS.
 */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'BAD_REQUEST',
  'BAD_EVENT',
  'BAD_DATA_ROW',
  'BAD_ARGUMENT',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'CONFLICT',
  /** A stored record no layout can read: kept aside for inspection, never retried. */
  'CORRUPT_RECORD',
  /** Users' stored positions belong to an earlier topic of the same name (ON_TOPIC_CHANGE=refuse). */
  'TOPIC_CHANGED',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'REDIS_UNAVAILABLE',
  'KAFKA_UNAVAILABLE',
  'INDEX_NOT_READY',
  'MODEL_MISSING',
  'DEPENDENCY_MISSING',
  'PORT_IN_USE',
  'TIMEOUT',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  CONFIG_INVALID: 500,
  BAD_REQUEST: 400,
  BAD_EVENT: 400,
  BAD_DATA_ROW: 400,
  BAD_ARGUMENT: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CORRUPT_RECORD: 409,
  TOPIC_CHANGED: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  REDIS_UNAVAILABLE: 503,
  KAFKA_UNAVAILABLE: 503,
  INDEX_NOT_READY: 503,
  MODEL_MISSING: 503,
  DEPENDENCY_MISSING: 500,
  PORT_IN_USE: 500,
  TIMEOUT: 504,
  INTERNAL: 500,
});

const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'REDIS_UNAVAILABLE',
  'KAFKA_UNAVAILABLE',
  'INDEX_NOT_READY',
  'TIMEOUT',
]);

export interface StreamrecErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  /** What the user should do about it; printed after the message by the CLI. */
  hint?: string;
}

export class StreamrecError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: StreamrecErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StreamrecError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.hint = options.hint;
  }
}

export function isStreamrecError(err: unknown): err is StreamrecError {
  return err instanceof StreamrecError;
}

/** Wraps anything thrown into a StreamrecError, keeping the original as `cause`. */
export function toStreamrecError(err: unknown, fallback: ErrorCode = 'INTERNAL'): StreamrecError {
  if (err instanceof StreamrecError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StreamrecError(fallback, message, { cause: err });
}

/** One line for a terminal: message and the fix, never a stack trace. */
export function formatErrorLine(err: unknown): string {
  const e = toStreamrecError(err);
  return e.hint ? `streamrec: ${e.message} — ${e.hint}` : `streamrec: ${e.message}`;
}

import { createRequire } from 'node:module';
import type * as KafkaJS from 'kafkajs';
import type { Kafka, LogEntry, logCreator } from 'kafkajs';
import type { Config } from '../../config.ts';
import { StreamrecError } from '../../errors.ts';
import type { Logger } from '../../log.ts';

export interface CreateKafkaOptions {
  /** Override the bounded retry count (health probes use 0 and loop themselves). */
  readonly retries?: number;
  /** Silence kafkajs entirely (probing a broker that is still starting is expected to fail). */
  readonly silent?: boolean;
}

/** The connection composition code holds and hands to Kafka adapters (it never calls it itself). */
export type KafkaClient = Kafka;

let loaded: typeof KafkaJS | undefined;

/**
 * kafkajs itself, required on first use rather than imported: importing this module (and the
 * adapters around it) costs nothing until a client is made, so a process whose Kafka questions
 * the engine asks itself (inspect on a warm stack: topic-id.ts, offsets.ts) never loads it.
 */
export function kafkajs(): typeof KafkaJS {
  loaded ??= createRequire(import.meta.url)('kafkajs') as typeof KafkaJS;
  return loaded;
}

/**
 * The project's one way to build a kafkajs client: timeouts from config, retries bounded
 * (about 10 s of backoff in total, so a dead broker surfaces as an error, not a hang), and
 * kafkajs's own logs bridged into `log` at its level (LOG_LEVEL), never kafkajs's JSON console.
 */
export function createKafka(config: Config, log: Logger, options: CreateKafkaOptions = {}): Kafka {
  const { Kafka, logLevel } = kafkajs();
  return new Kafka({
    clientId: config.kafka.clientId,
    brokers: [...config.kafka.brokers],
    connectionTimeout: config.kafka.connectionTimeoutMs,
    requestTimeout: config.kafka.requestTimeoutMs,
    retry: { retries: options.retries ?? 5, initialRetryTime: 300, maxRetryTime: 5000, factor: 0.2, multiplier: 2 },
    logLevel: options.silent ? logLevel.NOTHING : kafkaLogLevel(log.level),
    logCreator: pinoLogCreator(log),
  });
}

/**
 * A client made (and kafkajs loaded) only when something first asks it for an admin, a consumer
 * or a producer: for a one-shot reader that may need none.
 */
export function createKafkaOnDemand(config: Config, log: Logger, options: CreateKafkaOptions = {}): Kafka {
  let kafka: Kafka | undefined;
  const client = () => (kafka ??= createKafka(config, log, options));
  const onDemand: Pick<Kafka, 'admin' | 'consumer' | 'producer' | 'logger'> = {
    admin: (o) => client().admin(o),
    consumer: (o) => client().consumer(o),
    producer: (o) => client().producer(o),
    logger: () => client().logger(),
  };
  // kafkajs's Kafka class has these four public methods and nothing else.
  return onDemand as Kafka;
}

/**
 * kafkajs drops entries below its own level before the bridge sees them, so it is set from
 * the pino logger's. kafkajs DEBUG is request-by-request chatter: it surfaces at pino trace.
 */
function kafkaLogLevel(level: string): KafkaJS.logLevel {
  const { logLevel } = kafkajs();
  if (level === 'silent') return logLevel.NOTHING;
  if (level === 'fatal' || level === 'error') return logLevel.ERROR;
  if (level === 'warn') return logLevel.WARN;
  return level === 'trace' ? logLevel.DEBUG : logLevel.INFO;
}

/**
 * Every idempotent producer bounds its retries on purpose (createKafka's retry: a dead broker
 * must surface), which kafkajs warns about each time one is created; it is kept at debug.
 */
function isBoundedRetriesNotice(namespace: string, message: string): boolean {
  return namespace === 'Producer' && message.startsWith('Limiting retries for the idempotent producer');
}

function pinoLogCreator(log: Logger): logCreator {
  const child = log.child({ component: 'kafkajs' });
  const { logLevel } = kafkajs();
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, ...rest } = entry;
      const fields = Object.fromEntries(Object.entries(rest).filter(([k]) => k !== 'timestamp' && k !== 'logger'));
      if (namespace) fields.namespace = namespace;
      if (level === logLevel.ERROR) child.error(fields, message);
      else if (level === logLevel.WARN) {
        if (isBoundedRetriesNotice(namespace, message)) child.debug(fields, message);
        else child.warn(fields, message);
      } else if (level === logLevel.INFO) child.info(fields, message);
      else child.trace(fields, message);
    };
}

/** Host:port list as a one-line string for messages. */
export function brokersLabel(config: Config): string {
  return config.kafka.brokers.join(',');
}

// kafkajs errors that say "the broker could not be reached in time", whatever wraps them.
const TRANSIENT_NAMES = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError', 'KafkaJSBrokerNotFound', 'KafkaJSLockTimeout']);

/**
 * A kafkajs failure as a StreamrecError: INTERNAL when kafkajs marks it as something no retry
 * can fix (message too large, authorization), KAFKA_UNAVAILABLE (retryable) otherwise. kafkajs
 * wraps a connection error in a NonRetriableError once its own retries are spent, so the chain
 * is searched too: a dead broker is transient, whatever the wrapper says.
 */
export function kafkaFault(err: unknown, what: string): StreamrecError {
  if (err instanceof StreamrecError) return err;
  const retryable = (err as { retriable?: boolean } | undefined)?.retriable !== false || isTransientKafkaError(err);
  return new StreamrecError(retryable ? 'KAFKA_UNAVAILABLE' : 'INTERNAL', `${what} failed: ${(err as Error)?.message ?? String(err)}`, {
    retryable,
    cause: err,
    ...(retryable ? { hint: 'check that the Kafka broker answers at KAFKA_BROKERS' } : {}),
  });
}

function isTransientKafkaError(err: unknown, depth = 0): boolean {
  const e = err as { name?: string; retriable?: boolean; originalError?: unknown; cause?: unknown } | undefined;
  if (e === undefined || e === null || depth > 5) return false;
  if (e.retriable === true || (e.name !== undefined && TRANSIENT_NAMES.has(e.name))) return true;
  return isTransientKafkaError(e.originalError, depth + 1) || isTransientKafkaError(e.cause, depth + 1);
}

import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Config } from '../../config.ts';
import { StreamrecError } from '../../errors.ts';
import { withTimeout } from '../../lifecycle.ts';
import type { Logger } from '../../log.ts';
import { kafkaFault } from './client.ts';

/** One fetched message, as the engine reads it. */
export interface GroupMessage {
  key: Buffer | null;
  value: Buffer | null;
  offset: string;
  /** Kafka message timestamp, epoch ms as a string. */
  timestamp: string;
}

/** One fetch of one partition and what its handler may do meanwhile. */
export interface GroupBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: GroupMessage[];
  readonly highWatermark: string;
  lastOffset(): string;
  offsetLag(): string;
  /** False once the consumer is stopping. */
  isRunning(): boolean;
  /** True once a rebalance took the partition away: abandon the batch. */
  isStale(): boolean;
  /**
   * Throws the broker's error; `isRebalance(err)` tells a lost membership, after which the
   * consumer rejoins the group when the handler ends, whatever it returns or throws.
   */
  heartbeat(): Promise<void>;
  /**
   * Pauses this partition's fetching; call the result to resume. A pause lasts at most until
   * this batch's handler returns or throws: the consumer resumes it then.
   */
  pause(): () => void;
  /** Marks `offset` processed and commits offset + 1 for this partition (a KAFKA_UNAVAILABLE or INTERNAL fault on failure); commitsByHand only. */
  commit(offset: string): Promise<void>;
}

export interface GroupConsumerSpec {
  /** Names the member in logs and errors, e.g. `learner`. */
  name: string;
  groupId: string;
  topic: string;
  fromBeginning: boolean;
  maxWaitTimeInMs: number;
  maxBytesPerPartition?: number;
  maxBytes?: number;
  /** A dead member's partitions move to the others after this long; heartbeats every tenth of it. */
  sessionTimeoutMs?: number;
  partitionsConsumedConcurrently?: number;
  /**
   * True: the handler commits with GroupBatch.commit, and the position advances only by it (a
   * batch not committed is fetched again). False: the position advances after every batch and
   * nothing is committed (a member that rereads its topic at every start).
   */
  commitsByHand: boolean;
  eachBatch(batch: GroupBatch): Promise<void>;
  /** After each join, with this member's partitions of `topic`. */
  onJoin?(partitions: number[]): void;
  /** The consumer crashed for good while not stopping (kafkajs gave up restarting it). */
  onFatal?(err: Error): void;
}

export interface GroupConsumer {
  /** Connects (bounded by the Kafka connection and request timeouts), subscribes and runs; only connects when stopped meanwhile. */
  start(): Promise<void>;
  /** Moves this member's position in a partition (after start). */
  seek(partition: number, offset: string): void;
  /** Leaves the group once the batch in progress ends; bounded by graceMs (a TIMEOUT past it) when given; idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** Heartbeat period for a session timeout: a tenth of it, at least 500 ms. */
export function heartbeatIntervalMs(sessionTimeoutMs: number): number {
  return Math.max(500, Math.floor(sessionTimeoutMs / 10));
}

const REBALANCE_TYPES = new Set(['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION']);

/** True when a heartbeat failed because the group rebalanced (this member's partitions may be gone). */
export function isRebalance(err: unknown): boolean {
  return REBALANCE_TYPES.has((err as { type?: string } | undefined)?.type ?? '');
}

/**
 * What one handler call leaves behind, settled when it ends. kafkajs keeps a partition paused
 * across rebalances (its paused set outlives the assignment it replaces at each join), so a
 * pause still held when a handler gives its batch up (a rebalance during retries) would stop
 * that partition for good, also when the next join hands it back: it is released. And kafkajs
 * rejoins only when the error it gets from the handler is the broker's rebalance error, so a
 * lost membership the handler met in a heartbeat is thrown in place of whatever the handler
 * threw or returned: the member rejoins at once, instead of fetching with its old generation.
 */
function batchScope(p: EachBatchPayload): { pause(): () => void; heartbeat(): Promise<void>; settle(): void } {
  let resume: (() => void) | undefined;
  let lost: unknown;
  const release = () => {
    const r = resume;
    resume = undefined;
    r?.();
  };
  return {
    pause() {
      resume = p.pause();
      return release;
    },
    async heartbeat() {
      try {
        await p.heartbeat();
      } catch (err) {
        if (isRebalance(err)) lost ??= err;
        throw err;
      }
    },
    settle() {
      release();
      // A stopping member leaves the group anyway; rejoining it would only delay the stop.
      if (lost !== undefined && p.isRunning()) throw lost;
    },
  };
}

/**
 * The engine's one consumer-group member: offsets are committed only by hand (auto-commit and
 * auto-resolve off), connect is bounded, a crash is logged and, when kafkajs will not restart
 * the consumer, reported through onFatal unless the member is stopping.
 */
export function createGroupConsumer(kafka: Kafka, config: Config, log: Logger, spec: GroupConsumerSpec): GroupConsumer {
  const { topic } = spec;
  const session = spec.sessionTimeoutMs === undefined ? {} : { sessionTimeout: spec.sessionTimeoutMs, heartbeatInterval: heartbeatIntervalMs(spec.sessionTimeoutMs) };
  const consumer: Consumer = kafka.consumer({
    groupId: spec.groupId,
    maxWaitTimeInMs: spec.maxWaitTimeInMs,
    ...(spec.maxBytesPerPartition === undefined ? {} : { maxBytesPerPartition: spec.maxBytesPerPartition }),
    ...(spec.maxBytes === undefined ? {} : { maxBytes: spec.maxBytes }),
    ...session,
    allowAutoTopicCreation: false,
  });
  let stopping: Promise<void> | undefined;

  consumer.on(consumer.events.CRASH, ({ payload }) => {
    log.error({ err: payload.error.message, restart: payload.restart }, `${spec.name} consumer crashed`);
    if (!payload.restart && stopping === undefined) spec.onFatal?.(payload.error);
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    log.info({ memberId: payload.memberId, assignment: payload.memberAssignment }, `joined ${spec.name} group`);
    spec.onJoin?.(payload.memberAssignment[topic] ?? []);
  });

  const toBatch = (p: EachBatchPayload, scope: ReturnType<typeof batchScope>): GroupBatch => ({
    topic: p.batch.topic,
    partition: p.batch.partition,
    messages: p.batch.messages,
    highWatermark: p.batch.highWatermark,
    lastOffset: () => p.batch.lastOffset(),
    offsetLag: () => p.batch.offsetLag(),
    isRunning: p.isRunning,
    isStale: p.isStale,
    heartbeat: scope.heartbeat,
    pause: scope.pause,
    async commit(offset) {
      p.resolveOffset(offset);
      const next = String(Number(offset) + 1);
      await p
        .commitOffsetsIfNecessary({ topics: [{ topic: p.batch.topic, partitions: [{ partition: p.batch.partition, offset: next }] }] })
        .catch((err: unknown) => {
          throw kafkaFault(err, 'committing offsets');
        });
    },
  });

  return {
    async start() {
      const timeoutMs = config.kafka.connectionTimeoutMs + config.kafka.requestTimeoutMs;
      await withTimeout(consumer.connect(), timeoutMs, () =>
        new StreamrecError('KAFKA_UNAVAILABLE', `${spec.name} consumer did not connect to ${config.kafka.brokers.join(',')} within ${timeoutMs} ms`, {
          retryable: true,
          hint: 'start the local stack with `streamrec stack up` or set KAFKA_BROKERS',
        }),
      );
      // stop() may come while start() is under way (a process failing half-way through its start).
      if (stopping !== undefined) {
        await stopping.catch(() => undefined);
        await consumer.disconnect();
        return;
      }
      await consumer.subscribe({ topics: [topic], fromBeginning: spec.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: !spec.commitsByHand,
        ...(spec.partitionsConsumedConcurrently === undefined ? {} : { partitionsConsumedConcurrently: spec.partitionsConsumedConcurrently }),
        eachBatch: async (p) => {
          const scope = batchScope(p);
          try {
            await spec.eachBatch(toBatch(p, scope));
          } finally {
            scope.settle();
          }
        },
      });
    },
    seek(partition, offset) {
      consumer.seek({ topic, partition, offset });
    },
    stop(graceMs) {
      stopping ??=
        graceMs === undefined
          ? consumer.disconnect()
          : withTimeout(consumer.disconnect(), graceMs, () => new StreamrecError('TIMEOUT', `${spec.name} did not leave its group within ${graceMs} ms`));
      return stopping;
    },
  };
}

import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { kafkaFault } from '../adapters/kafka/client.ts';
import type { Config } from '../config.ts';
import { formatErrorLine, StreamrecError } from '../errors.ts';
import { withTimeout, type WorkerState } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { applySlice, publishLists, type BatchDeps, type ListTarget } from './batch.ts';
import { createStepRunner } from './retry.ts';
import { sliceByUsers } from './slices.ts';

export interface LearnerService {
  readonly state: WorkerState;
  /** Joins the consumer group and starts consuming (returns once running). */
  start(): Promise<void>;
  /**
   * Drains: the batch in progress finishes and commits, then the consumer leaves the
   * group. Bounded by config.learner.shutdownGraceMs; idempotent.
   */
  stop(): Promise<void>;
}

export interface LearnerServiceOptions {
  /** Called when the consumer crashed for good; the worker exits non-zero. */
  onFatal?: (err: Error) => void;
}

/** How a learner fetches; shared with native-bench's client comparison so both clients fetch alike. */
export function learnerFetchSettings(config: Config): { maxBytesPerPartition: number; maxBytes: number; maxWaitTimeInMs: number; sessionTimeout: number; heartbeatInterval: number } {
  return {
    maxBytesPerPartition: config.learner.maxBatchBytes,
    maxBytes: config.learner.maxBatchBytes * 4,
    // Freshness: an idle partition answers a fetch within this time.
    maxWaitTimeInMs: 50,
    sessionTimeout: config.learner.sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(config.learner.sessionTimeoutMs / 10)),
  };
}

/**
 * The clickstream consumer-group member. Offsets are committed by hand after each batch
 * is applied and its lists published; kafkajs auto-commit and auto-resolve are off, so
 * a crash anywhere before the commit means redelivery, which the stored positions make
 * harmless.
 */
export function createLearnerService(
  kafka: Kafka,
  config: Config,
  deps: BatchDeps,
  log: Logger,
  options: LearnerServiceOptions = {},
): LearnerService {
  let state: WorkerState = 'starting';
  let stopping: Promise<void> | undefined;
  // Set once a batch met users of an earlier topic under ON_TOPIC_CHANGE=refuse: nothing more is applied.
  let refused: StreamrecError | undefined;
  const consumer: Consumer = kafka.consumer({ groupId: config.learner.groupId, ...learnerFetchSettings(config), allowAutoTopicCreation: false });

  consumer.on(consumer.events.CRASH, ({ payload }) => {
    log.error({ err: payload.error.message, restart: payload.restart }, 'consumer crashed');
    if (!payload.restart && state !== 'draining' && state !== 'stopped') options.onFatal?.(payload.error);
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    log.info({ memberId: payload.memberId, assignment: payload.memberAssignment }, 'joined learner group');
  });

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    if (!payload.isRunning() || payload.isStale() || refused) return;
    const started = process.hrtime.bigint();
    let resume: (() => void) | undefined;
    let rebalanced = false;
    const keepAlive = async () => {
      try {
        await payload.heartbeat();
      } catch (err) {
        const type = (err as { type?: string }).type;
        if (type === 'REBALANCE_IN_PROGRESS' || type === 'UNKNOWN_MEMBER_ID' || type === 'ILLEGAL_GENERATION') rebalanced = true;
        throw err;
      }
    };
    const step = createStepRunner(config.learner.retryMaxMs, log.child({ partition: batch.partition }), {
      onFault: (name) => {
        deps.metrics.retries.inc({ step: name });
        resume ??= payload.pause();
      },
      onRecovered: (name, attempts) => {
        log.info({ step: name, attempts, partition: batch.partition }, 'recovered; partition resumed');
        resume?.();
        resume = undefined;
      },
      keepAlive,
      shouldContinue: () => payload.isRunning() && !payload.isStale() && !rebalanced,
    });
    // A fetch can hold ~33k events; slices (by distinct users, slices.ts) bound the Redis
    // pipelines. Lists are coalesced over the whole fetch:
    // one recommendation per changed user per fetch (the newest state wins), since the
    // ANN search behind each list is the learner's main CPU cost. The offset is committed
    // only after the lists are sent; a crash before that redelivers the fetch and the
    // replay rule (stored position = newest event) republishes.
    const targets = new Map<string, ListTarget>();
    let lastOffset: string | undefined;
    // A stopping consumer (isRunning false) still finishes the fetch it started: SIGTERM
    // means finish the batch, publish, commit. Only a lost partition abandons it.
    for (const [start, end] of sliceByUsers(batch.messages)) {
      if (payload.isStale() || rebalanced || refused) return;
      let result: Awaited<ReturnType<typeof applySlice>>;
      try {
        result = await applySlice(
          { topic: batch.topic, partition: batch.partition, messages: batch.messages.slice(start, end) },
          deps,
          step,
          () => keepAlive().catch(() => undefined),
        );
      } catch (err) {
        if (!(err instanceof StreamrecError && err.code === 'TOPIC_CHANGED')) throw err;
        if (!refused) {
          refused = err;
          log.error({ code: err.code }, formatErrorLine(err));
          options.onFatal?.(err);
        }
        return;
      }
      for (const t of result.targets) targets.set(t.state.userId, t);
      lastOffset = result.lastOffset ?? lastOffset;
    }
    if (payload.isStale() || rebalanced) return;
    await publishLists([...targets.values()], deps, step, () => keepAlive().catch(() => undefined));
    if (lastOffset !== undefined) {
      const next = String(Number(lastOffset) + 1);
      payload.resolveOffset(lastOffset);
      await step('commit-offsets', () =>
        payload
          .commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] })
          .catch((err: unknown) => {
            throw kafkaFault(err, 'committing offsets');
          }),
      );
    }
    deps.metrics.consumerLag.set({ partition: String(batch.partition) }, Math.max(0, Number(batch.offsetLag())));
    deps.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    await keepAlive().catch(() => undefined);
  };

  return {
    get state() {
      return state;
    },
    async start() {
      const timeoutMs = config.kafka.connectionTimeoutMs + config.kafka.requestTimeoutMs;
      await withTimeout(consumer.connect(), timeoutMs, () =>
        new StreamrecError('KAFKA_UNAVAILABLE', `learner consumer did not connect to ${config.kafka.brokers.join(',')} within ${timeoutMs} ms`, {
          hint: 'start the local stack with `streamrec stack up` or set KAFKA_BROKERS',
        }),
      );
      await consumer.subscribe({ topics: [config.topics.clickstream], fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: config.learner.partitionsConcurrently, eachBatch });
      state = 'running';
      log.info({ topic: config.topics.clickstream, groupId: config.learner.groupId }, 'learner consuming');
    },
    stop() {
      stopping ??= (async () => {
        state = 'draining';
        try {
          await withTimeout(consumer.disconnect(), config.learner.shutdownGraceMs, () =>
            new StreamrecError('TIMEOUT', `learner did not drain within ${config.learner.shutdownGraceMs} ms`),
          );
        } finally {
          state = 'stopped';
        }
      })();
      return stopping;
    },
  };
}

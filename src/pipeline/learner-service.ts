import type { KafkaClient } from '../adapters/kafka/client.ts';
import { createGroupConsumer, heartbeatIntervalMs, isRebalance, type GroupBatch } from '../adapters/kafka/group-consumer.ts';
import type { Config } from '../config.ts';
import { formatErrorLine, StreamrecError } from '../errors.ts';
import type { WorkerState } from '../lifecycle.ts';
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
    heartbeatInterval: heartbeatIntervalMs(config.learner.sessionTimeoutMs),
  };
}

/**
 * The clickstream consumer-group member. Offsets are committed by hand after each batch
 * is applied and its lists published (the group consumer's commitsByHand), so
 * a crash anywhere before the commit means redelivery, which the stored positions make
 * harmless.
 */
export function createLearnerService(
  kafka: KafkaClient,
  config: Config,
  deps: BatchDeps,
  log: Logger,
  options: LearnerServiceOptions = {},
): LearnerService {
  let state: WorkerState = 'starting';
  let stopping: Promise<void> | undefined;
  // Set once a batch met users of an earlier topic under ON_TOPIC_CHANGE=refuse: nothing more is applied.
  let refused: StreamrecError | undefined;
  const eachBatch = async (batch: GroupBatch): Promise<void> => {
    if (!batch.isRunning() || batch.isStale() || refused) return;
    const started = process.hrtime.bigint();
    let resume: (() => void) | undefined;
    let rebalanced = false;
    const keepAlive = async () => {
      try {
        await batch.heartbeat();
      } catch (err) {
        if (isRebalance(err)) rebalanced = true;
        throw err;
      }
    };
    const step = createStepRunner(config.learner.retryMaxMs, log.child({ partition: batch.partition }), {
      onFault: (name) => {
        deps.metrics.retries.inc({ step: name });
        resume ??= batch.pause();
      },
      onRecovered: (name, attempts) => {
        log.info({ step: name, attempts, partition: batch.partition }, 'recovered; partition resumed');
        resume?.();
        resume = undefined;
      },
      keepAlive,
      shouldContinue: () => batch.isRunning() && !batch.isStale() && !rebalanced,
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
      if (batch.isStale() || rebalanced || refused) return;
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
    if (batch.isStale() || rebalanced) return;
    await publishLists([...targets.values()], deps, step, () => keepAlive().catch(() => undefined));
    if (lastOffset !== undefined) {
      const committed = lastOffset;
      await step('commit-offsets', () => batch.commit(committed));
    }
    deps.metrics.consumerLag.set({ partition: String(batch.partition) }, Math.max(0, Number(batch.offsetLag())));
    deps.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    await keepAlive().catch(() => undefined);
  };

  const fetch = learnerFetchSettings(config);
  const consumer = createGroupConsumer(kafka, config, log, {
    name: 'learner',
    groupId: config.learner.groupId,
    topic: config.topics.clickstream,
    fromBeginning: true,
    maxWaitTimeInMs: fetch.maxWaitTimeInMs,
    maxBytesPerPartition: fetch.maxBytesPerPartition,
    maxBytes: fetch.maxBytes,
    sessionTimeoutMs: fetch.sessionTimeout,
    partitionsConsumedConcurrently: config.learner.partitionsConcurrently,
    commitsByHand: true,
    eachBatch,
    onFatal: (err) => {
      if (state !== 'draining' && state !== 'stopped') options.onFatal?.(err);
    },
  });

  return {
    get state() {
      return state;
    },
    async start() {
      await consumer.start();
      state = 'running';
      log.info({ topic: config.topics.clickstream, groupId: config.learner.groupId }, 'learner consuming');
    },
    stop() {
      stopping ??= (async () => {
        state = 'draining';
        try {
          await consumer.stop(config.learner.shutdownGraceMs);
        } finally {
          state = 'stopped';
        }
      })();
      return stopping;
    },
  };
}

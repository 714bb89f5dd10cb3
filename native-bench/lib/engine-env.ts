import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../src/adapters/kafka/client.ts';
import { createItemEmbeddingsPublisher } from '../../src/adapters/kafka/item-embeddings.ts';
import { deleteTopics, ensureTopics } from '../../src/adapters/kafka/topics.ts';
import type { Config } from '../../src/config.ts';
import { sleep } from '../../src/lifecycle.ts';
import { createLogger } from '../../src/log.ts';
import { stackUp } from '../../src/stack/index.ts';
import { ITEM_VECTORS_SEED, makeVectors, row } from '../ann/data.ts';
import { itemId } from './clickstream.ts';
import { profileArgs, REPO_ROOT } from './engine.ts';

export const benchLog = createLogger('bench', 'error');

/** The local stack (idempotent) and a config with topics, group and key prefix of this run only. */
export async function benchEnvironment(base: Config, tag: string): Promise<{ config: Config; kafka: Kafka }> {
  const up = await stackUp(base, benchLog, { quiet: true, ensureTopics: false });
  const id = `bench-${tag}-${randomBytes(3).toString('hex')}`;
  const config: Config = {
    ...up.config,
    topics: {
      ...up.config.topics,
      clickstream: `${id}-clickstream`,
      deadLetter: `${id}-clickstream.dlq`,
      recommendations: `${id}-recommendations`,
      itemEmbeddings: `${id}-item-embeddings`,
    },
    redis: { ...up.config.redis, keyPrefix: id },
    learner: { ...up.config.learner, groupId: `${id}-learner` },
  };
  const kafka = createKafka(config, benchLog);
  await ensureTopics(kafka, config, undefined, benchLog);
  return { config, kafka };
}

export async function dropTopics(kafka: Kafka, config: Config): Promise<void> {
  const t = config.topics;
  await deleteTopics(kafka, [t.clickstream, t.deadLetter, t.recommendations, t.itemEmbeddings]).catch(() => undefined);
}

/** Seeded trained item vectors `item-N`, published like `streamrec train` does. */
export async function publishItems(kafka: Kafka, config: Config, count: number): Promise<void> {
  const vectors = makeVectors(count, config.model.dim, ITEM_VECTORS_SEED);
  const pub = await createItemEmbeddingsPublisher(kafka, config, benchLog);
  try {
    const chunk = 5000;
    for (let i = 0; i < count; i += chunk) {
      const records = [];
      for (let j = i; j < Math.min(count, i + chunk); j++) {
        records.push({ itemId: itemId(j), vector: row(vectors, j).slice(), modelVersion: 'bench', updatedAtMs: Date.now(), source: 'train' as const });
      }
      await pub.publish(records);
    }
  } finally {
    await pub.close();
  }
}

/** What a worker process reads from its environment for this config (loadConfig's names). */
export function configEnv(config: Config, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TOPIC_CLICKSTREAM: config.topics.clickstream,
    TOPIC_DEAD_LETTER: config.topics.deadLetter,
    TOPIC_RECOMMENDATIONS: config.topics.recommendations,
    TOPIC_ITEM_EMBEDDINGS: config.topics.itemEmbeddings,
    REDIS_URL: config.redis.url,
    REDIS_KEY_PREFIX: config.redis.keyPrefix,
    LEARNER_GROUP_ID: config.learner.groupId,
    STREAMREC_HOME: config.stateDir,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

export interface Worker {
  pid: number;
  readonly exitCode: number | null;
  stderrTail(): string;
  stop(): Promise<void>;
}

/** A worker entry point (workers/*.ts) in its own process, exactly as deployed; `onStderrLine` sees each log line as it arrives. */
export function startWorker(script: string, env: Record<string, string>, onStderrLine?: (line: string) => void): Worker {
  const child: ChildProcess = spawn(process.execPath, [...profileArgs(), '--import', 'tsx', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  let partial = '';
  child.stderr?.on('data', (d: Buffer) => {
    const text = d.toString();
    tail = (tail + text).slice(-3000);
    if (!onStderrLine) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onStderrLine(line);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    pid: child.pid ?? -1,
    get exitCode() {
      return child.exitCode;
    },
    stderrTail: () => tail,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Polls until `check` is true; throws with `what` after timeoutMs. */
export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>, worker?: Worker): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (worker && worker.exitCode !== null) throw new Error(`${what}: worker exited (${worker.exitCode}): ${worker.stderrTail().trim().split('\n').slice(-3).join(' | ')}`);
    let ok: boolean;
    try {
      ok = await check();
    } catch (err) {
      // A network error means "not yet"; any other error is the check giving up.
      if (err instanceof TypeError || (err as Error).name === 'TimeoutError') ok = false;
      else throw err;
    }
    if (ok) return;
    await sleep(250);
  }
  throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s${worker ? `; worker said: ${worker.stderrTail().trim().split('\n').slice(-3).join(' | ')}` : ''}`);
}

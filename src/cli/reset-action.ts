import { rmSync } from 'node:fs';
import { createKafka } from '../adapters/kafka/client.ts';
import { deleteConsumerGroups } from '../adapters/kafka/topics.ts';
import { createRedis } from '../adapters/redis/client.ts';
import { createRedisKeys } from '../adapters/redis/keys.ts';
import { deleteLearnedState } from '../adapters/redis/learned-state.ts';
import { loadConfig, type Config } from '../config.ts';
import { StreamrecError } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import { resolveStack } from '../stack/index.ts';

export interface ResetResult {
  users: number;
  model: number;
  trending: number;
  groups: string[];
  snapshotDirs: string[];
}

/**
 * Clears what is learned from the clickstream and only makes sense together: users' states
 * (and quarantined records), model versions, trending, the learners' trending snapshots, the API's cold-user horizons
 * under REDIS_KEY_PREFIX, the learner and refit consumer groups' offsets (so both reread the
 * clickstream from its beginning) and the HNSW index snapshots on disk. Topics and the
 * catalog stay. Run it with the learners and the refit worker stopped.
 */
export async function resetLearnedState(config: Config, log: Logger): Promise<ResetResult> {
  const kafka = createKafka(config, log);
  const groups = await deleteConsumerGroups(kafka, [config.learner.groupId, config.refitter.groupId]);
  const redis = await createRedis(config, log);
  try {
    const deleted = await deleteLearnedState(redis, createRedisKeys(config.redis.keyPrefix));
    const snapshotDirs = [config.learner.indexSnapshotDir, config.http.indexSnapshotDir].filter((d): d is string => d !== undefined);
    for (const dir of snapshotDirs) rmSync(dir, { recursive: true, force: true });
    return { ...deleted, groups, snapshotDirs };
  } finally {
    redis.disconnect();
  }
}

/** `streamrec reset --yes`: refuses without --yes (there is no prompt), then clears and says what went. */
export async function resetAction(opts: { yes?: boolean }): Promise<void> {
  const config = await resolveStack(loadConfig(process.env));
  if (!opts.yes) {
    throw new StreamrecError('BAD_ARGUMENT', `reset deletes users' states, the model and trending under key prefix "${config.redis.keyPrefix}" and the offsets of groups ${config.learner.groupId}, ${config.refitter.groupId}`, {
      hint: 'stop the learners and the refit worker, then run `streamrec reset --yes`',
    });
  }
  const log = createLogger('reset', config.logLevel === 'info' ? 'warn' : config.logLevel);
  const r = await resetLearnedState(config, log);
  process.stdout.write(`redis  prefix ${config.redis.keyPrefix}: ${r.users} user keys, ${r.model} model keys, ${r.trending} trending keys deleted\n`);
  process.stdout.write(`kafka  offsets of ${r.groups.length === 0 ? 'no group (none committed)' : r.groups.join(', ')} deleted; ${config.topics.clickstream} is read again from its beginning\n`);
  process.stdout.write(`disk   ${r.snapshotDirs.length === 0 ? 'no index snapshots configured' : `${r.snapshotDirs.join(', ')} removed`}\n`);
}

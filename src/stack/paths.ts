import { join } from 'node:path';
import type { Config } from '../config.ts';

export const KAFKA_VERSION = '4.1.2';

/**
 * Where the local stack keeps its files, all under config.stateDir so every worktree on the
 * machine shares one broker and one set of jars. Nothing here lives in git.
 */
export interface StackPaths {
  readonly stateDir: string;
  readonly lockFile: string;
  readonly stateFile: string;
  readonly kafkaHome: string;
  readonly kafkaLibs: string;
  readonly kafkaDir: string;
  readonly kafkaDataDir: string;
  readonly kafkaProperties: string;
  readonly kafkaLog4j: string;
  readonly kafkaPidFile: string;
  /** The JVM's stdout/stderr (crashes before log4j starts land here). */
  readonly kafkaStdoutLog: string;
  readonly kafkaServerLog: string;
  readonly redisDir: string;
  readonly redisDataDir: string;
  readonly redisPidFile: string;
  readonly redisLog: string;
}

export function stackPaths(config: Config): StackPaths {
  const stateDir = config.stateDir;
  const kafkaHome = join(stateDir, `kafka-${KAFKA_VERSION}`);
  const kafkaDir = join(stateDir, 'kafka');
  const redisDir = join(stateDir, 'redis');
  return {
    stateDir,
    lockFile: join(stateDir, 'stack.lock'),
    stateFile: join(stateDir, 'stack.json'),
    kafkaHome,
    kafkaLibs: join(kafkaHome, 'libs'),
    kafkaDir,
    kafkaDataDir: join(kafkaDir, 'data'),
    kafkaProperties: join(kafkaDir, 'server.properties'),
    kafkaLog4j: join(kafkaDir, 'log4j2.properties'),
    kafkaPidFile: join(kafkaDir, 'kafka.pid'),
    kafkaStdoutLog: join(kafkaDir, 'kafka.out'),
    kafkaServerLog: join(kafkaDir, 'server.log'),
    redisDir,
    redisDataDir: join(redisDir, 'data'),
    redisPidFile: join(redisDir, 'redis.pid'),
    redisLog: join(redisDir, 'redis.log'),
  };
}

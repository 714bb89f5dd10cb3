import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { StreamrecError } from '../errors.ts';

export interface ToolEnv {
  readonly PATH?: string | undefined;
  readonly JAVA_HOME?: string | undefined;
}

/** Absolute path of an executable on PATH, or undefined. */
export function findExecutable(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** java from JAVA_HOME if set, else from PATH; Kafka 4.x brokers need Java 17 or later. */
export function requireJava(env: ToolEnv): string {
  const fromHome = env.JAVA_HOME ? findExecutable('java', join(env.JAVA_HOME, 'bin')) : undefined;
  const java = fromHome ?? findExecutable('java', env.PATH);
  if (!java) {
    throw new StreamrecError('DEPENDENCY_MISSING', 'java not found (the local Kafka broker needs it)', {
      hint: 'install Java 17: apt-get install openjdk-17-jre-headless, or set KAFKA_BROKERS to use an existing broker',
    });
  }
  const out = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 15_000 });
  const text = `${out.stderr ?? ''}${out.stdout ?? ''}`;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(text);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : NaN;
  if (!Number.isFinite(major)) {
    throw new StreamrecError('DEPENDENCY_MISSING', `${java} -version did not report a version`, {
      hint: 'install Java 17: apt-get install openjdk-17-jre-headless',
    });
  }
  if (major < 17) {
    throw new StreamrecError('DEPENDENCY_MISSING', `${java} is Java ${major}; Kafka 4.1 needs Java 17 or later`, {
      hint: 'install Java 17 (apt-get install openjdk-17-jre-headless) and put it first on PATH or set JAVA_HOME',
    });
  }
  return java;
}

export function requireMvn(env: ToolEnv): string {
  const mvn = findExecutable('mvn', env.PATH);
  if (!mvn) {
    throw new StreamrecError('DEPENDENCY_MISSING', 'mvn not found (needed once, to download the Kafka jars from Maven Central)', {
      hint: 'install Maven: apt-get install maven',
    });
  }
  return mvn;
}

export function requireRedisServer(env: ToolEnv, redisUrl: string): string {
  const bin = findExecutable('redis-server', env.PATH);
  if (!bin) {
    throw new StreamrecError('DEPENDENCY_MISSING', `no Redis answers at ${redisUrl} and redis-server is not installed`, {
      hint: 'install it (apt-get install redis-server) or set REDIS_URL to a running Redis',
    });
  }
  return bin;
}

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.ts';
import { StreamrecError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { sleep } from '../lifecycle.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import { requireJava, requireMvn, type ToolEnv } from './deps.ts';
import type { StackPaths } from './paths.ts';
import { isAliveAs, portAnswers, readLivePid, removeFile, spawnDetached, tailFile } from './processes.ts';

/** Identifies our broker in /proc/<pid>/cmdline. */
export const KAFKA_MARKER = 'kafka.Kafka';
const POM = join(dirname(fileURLToPath(import.meta.url)), 'kafka', 'pom.xml');
/** Fixed so a re-format of a wiped data dir keeps the same identity; any base64 uuid works. */
const CLUSTER_ID = 'c3RyZWFtcmVjLWxvY2FsAA';

/** Downloads the broker's jars with Maven once; later runs find them in the cache. */
export function ensureKafkaJars(paths: StackPaths, env: ToolEnv, log: Logger, quiet: boolean): void {
  if (existsSync(paths.kafkaLibs) && readdirSync(paths.kafkaLibs).some((f) => f.startsWith('kafka_2.13-'))) return;
  const mvn = requireMvn(env);
  if (!quiet) process.stderr.write(`downloading Kafka jars with Maven into ${paths.kafkaLibs} (first run only)...\n`);
  mkdirSync(paths.kafkaHome, { recursive: true });
  const staging = `${paths.kafkaLibs}.partial`;
  const out = spawnSync(
    mvn,
    // MAVEN_OPTS (e.g. -Dmaven.repo.local=...) passes through the inherited environment.
    ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`],
    { encoding: 'utf8', timeout: 20 * 60_000, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (out.status !== 0) {
    const last = `${out.stdout ?? ''}${out.stderr ?? ''}`.trim().split('\n').slice(-3).join(' | ');
    throw new StreamrecError('DEPENDENCY_MISSING', `mvn could not download the Kafka jars (${out.error?.message ?? last})`, {
      hint: 'check access to Maven Central (repo.maven.apache.org) and run "streamrec stack up" again',
    });
  }
  // Rename last, so an interrupted download is never mistaken for a complete one.
  rmSync(paths.kafkaLibs, { recursive: true, force: true });
  renameDir(staging, paths.kafkaLibs);
  log.info({ libs: paths.kafkaLibs }, 'kafka jars downloaded');
}

function renameDir(from: string, to: string): void {
  const out = spawnSync('mv', ['-T', from, to]);
  if (out.status !== 0) throw new StreamrecError('INTERNAL', `could not move ${from} to ${to}`);
}

/** server.properties for one combined broker+controller, tuned for a small shared machine. */
export function brokerProperties(config: Config, paths: StackPaths): string {
  const port = config.kafka.localPort;
  const controllerPort = config.kafka.localControllerPort;
  return `# Written by "streamrec stack up" on every start; edit src/stack/kafka-broker.ts instead.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${paths.kafkaDataDir}
num.partitions=1
auto.create.topics.enable=false
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.cleaner.enable=true
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
log.retention.hours=168
log.segment.bytes=67108864
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
`;
}

function log4jProperties(paths: StackPaths): string {
  return `status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = ${paths.kafkaServerLog}
appender.file.filePattern = ${paths.kafkaServerLog}.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.statechange.name = state.change.logger
logger.statechange.level = warn
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = warn
`;
}

export interface BrokerStatus {
  readonly pid: number | undefined;
  readonly answers: boolean;
}

export async function brokerStatus(config: Config, paths: StackPaths): Promise<BrokerStatus> {
  return {
    pid: readLivePid(paths.kafkaPidFile, KAFKA_MARKER),
    answers: await portAnswers(config.kafka.localPort),
  };
}

/**
 * Starts the broker unless ours already runs; returns its pid and whether it was started now.
 * Refuses when another program holds either port.
 */
export async function startBroker(
  config: Config,
  paths: StackPaths,
  env: ToolEnv,
  log: Logger,
  timeoutMs: number,
  quiet: boolean,
): Promise<{ pid: number; started: boolean }> {
  const running = readLivePid(paths.kafkaPidFile, KAFKA_MARKER);
  if (running !== undefined) {
    const runningPort = configuredPort(paths);
    if (runningPort !== undefined && runningPort !== config.kafka.localPort) {
      throw new StreamrecError('CONFLICT', `the broker of ${paths.stateDir} already runs on port ${runningPort}, not ${config.kafka.localPort}`, {
        hint: 'run "streamrec stack down" first to move it, or use another STREAMREC_HOME for a second broker',
      });
    }
    await waitBrokerHealthy(config, paths, running, log, timeoutMs);
    return { pid: running, started: false };
  }
  removeFile(paths.kafkaPidFile);
  for (const [port, what, key] of [
    [config.kafka.localPort, 'Kafka', 'STREAMREC_KAFKA_PORT'],
    [config.kafka.localControllerPort, 'Kafka controller', 'STREAMREC_KAFKA_CONTROLLER_PORT'],
  ] as const) {
    if (await portAnswers(port)) {
      throw new StreamrecError('PORT_IN_USE', `port ${port} (local ${what}) is used by another program`, {
        hint: `stop that program, or set ${key} to a free port (or KAFKA_BROKERS=127.0.0.1:${config.kafka.localPort} if it is a Kafka broker you want to use)`,
      });
    }
  }
  const java = requireJava(env);
  ensureKafkaJars(paths, env, log, quiet);
  mkdirSync(paths.kafkaDataDir, { recursive: true });
  writeFileSync(paths.kafkaProperties, brokerProperties(config, paths));
  writeFileSync(paths.kafkaLog4j, log4jProperties(paths));
  formatStorage(java, paths);
  const pid = spawnDetached(
    java,
    [
      '-Xms256m',
      '-Xmx512m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${paths.kafkaLog4j}`,
      `-Dkafka.logs.dir=${paths.kafkaDir}`,
      '-cp',
      join(paths.kafkaLibs, '*'),
      KAFKA_MARKER,
      paths.kafkaProperties,
    ],
    paths.kafkaStdoutLog,
    paths.kafkaPidFile,
    paths.kafkaDir,
  );
  log.info({ pid, port: config.kafka.localPort }, 'kafka broker starting');
  await waitBrokerHealthy(config, paths, pid, log, timeoutMs);
  return { pid, started: true };
}

/** The client port in the running broker's server.properties. */
function configuredPort(paths: StackPaths): number | undefined {
  try {
    const match = /^listeners=PLAINTEXT:\/\/[^:]+:(\d+)/m.exec(readFileSync(paths.kafkaProperties, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Formats the data dir once (meta.properties present means formatted). */
function formatStorage(java: string, paths: StackPaths): void {
  if (existsSync(join(paths.kafkaDataDir, 'meta.properties'))) return;
  const out = spawnSync(
    java,
    ['-cp', join(paths.kafkaLibs, '*'), 'kafka.tools.StorageTool', 'format', '-t', CLUSTER_ID, '-c', paths.kafkaProperties],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (out.status !== 0) {
    const why = `${out.stderr ?? ''}${out.stdout ?? ''}`.trim().split('\n').slice(-2).join(' | ') || out.error?.message;
    throw new StreamrecError('KAFKA_UNAVAILABLE', `formatting Kafka storage in ${paths.kafkaDataDir} failed: ${why}`, {
      hint: `delete ${paths.kafkaDir} and run "streamrec stack up" again`,
    });
  }
}

/**
 * Polls until the broker answers a metadata request (kafkajs admin describeCluster), the
 * process dies, or timeoutMs passes; the last two end with the log's path and last lines.
 */
export async function waitBrokerHealthy(config: Config, paths: StackPaths, pid: number, log: Logger, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const kafka = createKafka(config, log, { retries: 0, silent: true });
  for (;;) {
    if (!isAliveAs(pid, KAFKA_MARKER)) throw brokerFailed(paths, 'the Kafka broker exited during start');
    if (await portAnswers(config.kafka.localPort)) {
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length > 0 && cluster.controller !== null) return;
      } catch {
        // not ready yet
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }
    if (Date.now() > deadline) {
      throw brokerFailed(paths, `the Kafka broker did not become healthy within ${timeoutMs} ms`, 'TIMEOUT');
    }
    await sleep(500);
  }
}

function brokerFailed(paths: StackPaths, what: string, code: 'KAFKA_UNAVAILABLE' | 'TIMEOUT' = 'KAFKA_UNAVAILABLE'): StreamrecError {
  const lines = [...tailFile(paths.kafkaStdoutLog, 3), ...tailFile(paths.kafkaServerLog, 3)];
  const tail = lines.length > 0 ? `; last log lines: ${lines.map((l) => l.slice(0, 300)).join(' | ')}` : '';
  return new StreamrecError(code, `${what} (log: ${paths.kafkaServerLog}, ${paths.kafkaStdoutLog})${tail}`, {
    hint: 'read the log; "streamrec stack down" then "up" retries',
  });
}

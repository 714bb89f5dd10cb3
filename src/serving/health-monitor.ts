import { withTimeout } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { HealthReport, HealthView, ServiceState } from '../core/ports.ts';

/** What the Redis probe needs of a client (an ioredis connection is one). */
export interface PingClient {
  ping(): Promise<string>;
}

/** What the Kafka probe needs of an admin client (a kafkajs Admin is one). */
export interface ClusterAdmin {
  connect(): Promise<void>;
  describeCluster(): Promise<{ brokers: readonly unknown[] }>;
  disconnect(): Promise<void>;
}

export interface HealthMonitor extends HealthView {
  markIndexLoaded(): void;
  /** The clickstream feed replayed its lookback (or stopped waiting for it): trending and session neighbours are current. */
  markFeedCurrent(): void;
  markDraining(): void;
  /** Runs both probes now (used at start so /readyz is right from the first request). */
  probe(): Promise<void>;
  stop(): void;
}

/**
 * Probes Redis (PING) and Kafka (describeCluster) in the background and caches the
 * answers, so request handlers read health for free and skip a dependency known to be
 * down instead of paying its timeout. Recovery is automatic: the next good probe flips
 * the check back.
 */
export function createHealthMonitor(redis: PingClient, admin: ClusterAdmin, intervalMs: number, log: Logger): HealthMonitor {
  const checks = { index: false, feed: false, redis: false, kafka: false };
  let draining = false;
  let adminConnected = false;
  // A probe must end before the next is due, and one slow answer must not hide an outage long.
  const timeoutMs = Math.max(100, Math.min(intervalMs, 1000));

  const probeRedis = async () => (await withTimeout(redis.ping(), timeoutMs, () => new Error('timeout'))) === 'PONG';
  const probeKafka = async () => {
    if (!adminConnected) {
      await withTimeout(admin.connect(), timeoutMs * 3, () => new Error('connect timeout'));
      adminConnected = true;
    }
    const cluster = await withTimeout(admin.describeCluster(), timeoutMs * 2, () => new Error('timeout'));
    return cluster.brokers.length > 0;
  };
  const settle = async (name: 'redis' | 'kafka', run: () => Promise<boolean>) => {
    let ok: boolean;
    try {
      ok = await run();
    } catch (err) {
      ok = false;
      if (name === 'kafka') {
        adminConnected = false;
        await admin.disconnect().catch(() => undefined);
      }
      if (checks[name]) log.warn({ dependency: name, err: (err as Error).message }, 'dependency stopped answering; degraded');
    }
    if (ok && !checks[name]) log.info({ dependency: name }, 'dependency answers');
    checks[name] = ok;
  };

  let running = false;
  const probe = async () => {
    if (running) return;
    running = true;
    try {
      await Promise.all([settle('redis', probeRedis), settle('kafka', probeKafka)]);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void probe(), intervalMs);
  timer.unref();

  return {
    report(): HealthReport {
      let state: ServiceState;
      if (draining) state = 'draining';
      else if (!checks.index || !checks.feed) state = 'starting';
      else state = checks.redis && checks.kafka ? 'running' : 'degraded';
      return { state, checks: { ...checks } };
    },
    markIndexLoaded() {
      checks.index = true;
    },
    markFeedCurrent() {
      checks.feed = true;
    },
    markDraining() {
      draining = true;
    },
    probe,
    stop() {
      clearInterval(timer);
      void admin.disconnect().catch(() => undefined);
    },
  };
}

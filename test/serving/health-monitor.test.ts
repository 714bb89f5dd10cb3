import type { Admin } from 'kafkajs';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { createHealthMonitor } from '../../src/serving/health-monitor.ts';

// The state machine only (the real Redis outage is test/serving/degradation.test.ts):
// probes are switched between answering, failing and hanging.
function fakes() {
  const mode = { redis: 'ok' as 'ok' | 'fail' | 'hang', kafka: 'ok' as 'ok' | 'fail' };
  let connects = 0;
  const redis = {
    ping: () => (mode.redis === 'ok' ? Promise.resolve('PONG') : mode.redis === 'fail' ? Promise.reject(new Error('ECONNREFUSED')) : new Promise(() => undefined)),
  } as unknown as Redis;
  const admin = {
    connect: async () => {
      connects++;
      if (mode.kafka === 'fail') throw new Error('broker down');
    },
    describeCluster: async () => {
      if (mode.kafka === 'fail') throw new Error('broker down');
      return { brokers: [{ nodeId: 1, host: '127.0.0.1', port: 19092 }], controller: 1, clusterId: 'x' };
    },
    disconnect: async () => undefined,
  } as unknown as Admin;
  return { mode, redis, admin, connects: () => connects };
}

describe('health monitor', () => {
  it('starting until the index is loaded and the feed current, then running, degraded per dependency, recovering, draining', async () => {
    const f = fakes();
    const health = createHealthMonitor(f.redis, f.admin, 60_000, createLogger('test', 'silent'));
    try {
      await health.probe();
      expect(health.report()).toEqual({ state: 'starting', checks: { index: false, feed: false, redis: true, kafka: true } });
      health.markIndexLoaded();
      expect(health.report()).toEqual({ state: 'starting', checks: { index: true, feed: false, redis: true, kafka: true } });
      health.markFeedCurrent();
      expect(health.report().state).toBe('running');

      f.mode.kafka = 'fail';
      await health.probe();
      expect(health.report()).toEqual({ state: 'degraded', checks: { index: true, feed: true, redis: true, kafka: false } });
      f.mode.kafka = 'ok';
      await health.probe();
      expect(health.report().state).toBe('running');
      expect(f.connects()).toBe(2); // reconnected after the failure

      f.mode.redis = 'hang';
      const started = Date.now();
      await health.probe();
      expect(Date.now() - started).toBeLessThan(5000); // a hanging PING is cut by the probe timeout
      expect(health.report()).toMatchObject({ state: 'degraded', checks: { redis: false } });
      f.mode.redis = 'ok';
      await health.probe();
      expect(health.report().state).toBe('running');

      health.markDraining();
      expect(health.report().state).toBe('draining');
    } finally {
      health.stop();
    }
  });
});

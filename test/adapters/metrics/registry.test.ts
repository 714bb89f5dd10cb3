import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createPipelineMetrics } from '../../../src/adapters/metrics/pipeline-metrics.ts';
import { createMetricsRegistry, serveMetrics } from '../../../src/adapters/metrics/registry.ts';

describe('metrics endpoint', () => {
  it('serves the registry at /metrics, 404 elsewhere, and closes promptly with a kept-alive client', async () => {
    const registry = createMetricsRegistry('learner');
    const metrics = createPipelineMetrics(registry);
    metrics.deadLetters.inc({ reason: 'bad_json' }, 3);
    metrics.consumerLag.set({ partition: '2' }, 17);
    const server = await serveMetrics(registry, '127.0.0.1', 0, pino({ level: 'silent' }));
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/streamrec_dead_letters_total\{reason="bad_json",role="learner"\} 3/);
    expect(text).toMatch(/streamrec_consumer_lag\{partition="2",role="learner"\} 17/);
    expect(text).toMatch(/streamrec_process_cpu_seconds_total/);
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

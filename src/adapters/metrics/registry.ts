import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { StreamrecError } from '../../errors.ts';
import type { Logger } from '../../log.ts';

/**
 * One Prometheus registry per process (learner or API), with Node's default metrics
 * labelled by process role. Each process exposes its own registry at /metrics.
 */
export function createMetricsRegistry(role: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry, prefix: 'streamrec_' });
  return registry;
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves GET /metrics on its own port (the learner has no HTTP API of its own). Port 0: any free port. */
export async function serveMetrics(registry: Registry, host: string, port: number, log: Logger, portSetting = 'LEARNER_METRICS_PORT'): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/metrics' && !req.url?.startsWith('/metrics?'))) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics is served here\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}\n`),
    );
  });
  // Longer than common scrape intervals, so a scraper's kept-alive socket is not closed under it.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new StreamrecError('PORT_IN_USE', `metrics port ${port} is in use`, { hint: `set ${portSetting} to a free port (0 picks one)` })
          : err,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  log.info({ url: `http://${host}:${actual}/metrics` }, 'metrics endpoint listening');
  return {
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle kept-alive scrapers would otherwise hold close() for keepAliveTimeout.
        server.closeAllConnections();
      }),
  };
}

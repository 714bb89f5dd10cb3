import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { runApiUntilSignal } from '../serving/run.ts';

/** `streamrec serve`: one API process (scale out by running several behind a balancer). */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('one API process: recommend, inspect, catalog and events over HTTP (OpenAPI at /docs)')
    .option('--port <port>', 'port to listen on (default PORT or 8080; 0 picks a free one)')
    .option('--host <host>', 'address to listen on (default HOST or 127.0.0.1)')
    .action(async (opts: { port?: string; host?: string }) => {
      const env = { ...process.env };
      if (opts.port !== undefined) env.PORT = opts.port;
      if (opts.host !== undefined) env.HOST = opts.host;
      const config = loadConfig(env);
      const log = createLogger('api', config.logLevel);
      process.exitCode = await runApiUntilSignal(config, log, (address) => {
        process.stdout.write(`streamrec API on ${address}  (page ${address}/  docs ${address}/docs)\n`);
      });
    });
}

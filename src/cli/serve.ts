import type { Command } from 'commander';
import type { ServeCliOptions } from './serve-action.ts';

/** `streamrec serve`: one API process (scale out by running several behind a balancer). */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('one API process: recommend, inspect, catalog and events over HTTP (OpenAPI at /docs)')
    .option('--port <port>', 'port to listen on (default PORT or 8080; 0 picks a free one)')
    .option('--host <host>', 'address to listen on (default HOST or 127.0.0.1)')
    .action(async (opts: ServeCliOptions) => (await import('./serve-action.ts')).serveAction(opts));
}

import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { runApiUntilSignal } from '../serving/run.ts';

/** The command line options, as commander hands them over. */
export interface ServeCliOptions {
  port?: string;
  host?: string;
}

/** What `streamrec serve` does (declared in serve.ts). */
export async function serveAction(opts: ServeCliOptions): Promise<void> {
  const env = { ...process.env };
  if (opts.port !== undefined) env.PORT = opts.port;
  if (opts.host !== undefined) env.HOST = opts.host;
  const config = loadConfig(env);
  const log = createLogger('api', config.logLevel);
  process.exitCode = await runApiUntilSignal(config, log, (address) => {
    process.stdout.write(`streamrec API on ${address}  (page ${address}/  docs ${address}/docs)\n`);
  });
}

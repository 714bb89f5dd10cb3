import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../config.ts';
import { createCloser, exitIfStillAlive, onShutdownSignals } from '../lifecycle.ts';
import { createLogger } from '../log.ts';
import { startLearner } from '../pipeline/compose.ts';
import { startApi } from '../serving/api.ts';
import { stackDown, stackUp } from '../stack/index.ts';
import { startRefitter } from '../training/refit-worker.ts';
import { DEMO_DATA_PATH, ensureDemoModel } from './demo-bootstrap.ts';

/** What `streamrec start` does (declared in start.ts). */
export async function startAction(opts: { keepStack?: boolean }): Promise<void> {
  const base = loadConfig(process.env);
  const log = createLogger('start', base.logLevel === 'info' ? 'warn' : base.logLevel);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const startedMs = Date.now();
  const closer = createCloser(log);
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const removeHandlers = onShutdownSignals(() => {
    say('stopping…');
    stop();
  });
  closer.add('signal handlers', removeHandlers);
  try {
    say('streamrec: bringing up Kafka and Redis (first run downloads the broker jars)…');
    const stack = await stackUp(base, log, { quiet: true });
    // Writes (POST /v1/events, catalog) always need a key; a local demo gets one made up for this run.
    const generatedKey = stack.config.http.apiKey === undefined;
    const config = withApiKey(stack.config, stack.config.http.apiKey ?? randomBytes(16).toString('hex'));
    if (stack.kafka.started && !opts.keepStack) {
      closer.add('stack', async () => {
        await stackDown(config, log);
      });
    }
    const demo = await ensureDemoModel(config, log, say);
    say('streamrec: starting the learner and the API…');
    const learner = await startLearner(config, log, {
      onFatal: (err) => {
        log.error({ err: err.message }, 'learner stopped; shutting down');
        stop();
      },
    });
    closer.add('learner', () => learner.close());
    // The refitter keeps item vectors current as the clickstream grows (eval's online model = learner + refitter).
    const refitter = await startRefitter(config, log, {
      onFatal: (err) => {
        log.error({ err: err.message }, 'refitter stopped; shutting down');
        stop();
      },
    });
    closer.add('refitter', () => refitter.close());
    const api = await startApi(config, log);
    closer.add('api', () => api.close());
    // "Running" when /readyz says so: the API's clickstream feed has replayed its lookback (bounded).
    let stopping = false;
    await Promise.race([api.warm, stopped.then(() => (stopping = true))]);
    if (stopping) return;
    const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
    say('');
    say(`streamrec is running (ready in ${seconds} s): API ${api.address}  page ${api.address}/  docs ${api.address}/docs`);
    say(`demo data: ${DEMO_DATA_PATH} (${demo.events} events, model ${demo.modelVersion})`);
    say('recommendations for a demo user:');
    say(`  curl -s '${api.address}/v1/users/${encodeURIComponent(demo.userId)}/recommendations?k=5'`);
    say(`send events (API key ${generatedKey ? 'generated for this run; set API_KEY to choose one' : 'from API_KEY'}):`);
    say(`  ${eventsCurlLine(api.address, demo.userId, generatedKey ? config.http.apiKey : undefined)}`);
    say('Ctrl-C stops everything.');
    await stopped;
  } finally {
    // Every step bounds itself; this backs them so Ctrl-C can never leave start hanging.
    const hardStopMs = base.learner.shutdownGraceMs * 2 + 5000;
    const hardStop = setTimeout(() => {
      process.stderr.write(`streamrec: shutdown took over ${hardStopMs} ms; exiting (run "streamrec stack down" if the stack is still up)\n`);
      process.exit(1);
    }, hardStopMs);
    hardStop.unref();
    await closer.close();
    clearTimeout(hardStop);
    exitIfStillAlive(log);
  }
}

function withApiKey(config: Config, apiKey: string): Config {
  return Object.freeze({ ...config, http: Object.freeze({ ...config.http, apiKey }) });
}

/**
 * The events line `start` prints, a shell command that works when pasted: the key is written
 * in when `start` made it up, and read from the shell's API_KEY (double quotes, so the shell
 * expands it) when the user chose it; ts is the paste's own time.
 */
export function eventsCurlLine(address: string, userId: string, generatedKey: string | undefined): string {
  const keyHeader = generatedKey === undefined ? '"x-api-key: $API_KEY"' : `'x-api-key: ${generatedKey}'`;
  const event = `{"eventId":"demo-1","userId":${JSON.stringify(userId)},"itemId":"i1","type":"click","ts":'$(date +%s000)'}`;
  return `curl -s -X POST '${address}/v1/events' -H 'content-type: application/json' -H ${keyHeader} -d '${event}'`;
}

import { loadConfig } from '../config.ts';
import { StreamrecError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { redactUrl } from '../adapters/redis/client.ts';
import { stackDown, stackStatus, stackUp } from '../stack/index.ts';

/** The command line options, as commander hands them over. */
export interface StackCliOptions {
  quiet?: boolean;
  json?: boolean;
  timeout: string;
}

const ACTIONS = ['up', 'down', 'status'] as const;

/** What `streamrec stack` does (declared in stack.ts). */
export async function stackAction(action: string, opts: StackCliOptions): Promise<void> {
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new StreamrecError('BAD_ARGUMENT', `unknown stack action "${action}"`, { hint: `use one of: ${ACTIONS.join(', ')}` });
  }
  const timeoutMs = Number(opts.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1000) {
    throw new StreamrecError('BAD_ARGUMENT', `--timeout "${opts.timeout}" must be an integer of at least 1000 (ms)`);
  }
  const config = loadConfig(process.env);
  const quiet = opts.quiet ?? false;
  // Progress goes to the log only when asked for; the stack's own lines go to stdout.
  const log = createLogger('stack', quiet ? 'error' : config.logLevel === 'info' ? 'warn' : config.logLevel);
  const say = (line: string) => {
    if (!quiet) process.stdout.write(`${line}\n`);
  };
  if (action === 'up') {
    const info = await stackUp(config, log, { env: process.env, timeoutMs, quiet });
    const k = info.kafka;
    say(`kafka  ${k.brokers.join(',')}  ${k.managed ? `${k.started ? 'started' : 'running'} (pid ${k.pid})` : 'external'}`);
    const r = info.redis;
    say(`redis  ${redactUrl(r.url)}  ${r.managed ? `${r.started ? 'started' : 'running'} (pid ${r.pid})` : 'existing'}`);
    say(`topics ${[config.topics.clickstream, config.topics.deadLetter, config.topics.recommendations, config.topics.itemEmbeddings, config.topics.itemNeighbours].join(', ')}`);
  } else if (action === 'down') {
    const result = await stackDown(config, log);
    say(`kafka  ${result.kafkaPid === undefined ? 'was not running' : `stopped (pid ${result.kafkaPid})`}`);
    say(`redis  ${result.redisPid === undefined ? 'no local redis-server to stop' : `stopped (pid ${result.redisPid})`}`);
  } else {
    const s = await stackStatus(config);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...s, redis: { ...s.redis, url: redactUrl(s.redis.url) } })}\n`);
      return;
    }
    const kState = s.kafka.managed
      ? s.kafka.pid !== undefined
        ? `running (pid ${s.kafka.pid})${s.kafka.answers ? '' : ', not answering yet'}`
        : s.kafka.answers ? 'port answers, but not our broker' : 'stopped'
      : s.kafka.answers ? 'external, answers' : 'external, NOT answering';
    process.stdout.write(`kafka  ${s.kafka.brokers.join(',')}  ${kState}${s.kafka.managed ? `  log ${s.kafka.logFile}` : ''}\n`);
    const rState = s.redis.managed ? `ours (pid ${s.redis.pid})` : 'not started by streamrec';
    process.stdout.write(`redis  ${redactUrl(s.redis.url)}  ${rState}, ${s.redis.answers ? 'answers' : 'NOT answering'}${s.redis.managed ? `  log ${s.redis.logFile}` : ''}\n`);
    process.stdout.write(`state  ${s.stateDir}\n`);
  }
}

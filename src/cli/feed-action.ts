import { statSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { createClickstreamProducer, type ClickstreamProducer } from '../adapters/kafka/clickstream-producer.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import type { EventFormat } from '../adapters/kafka/codec.ts';
import { ensureTopics } from '../adapters/kafka/topics.ts';
import { loadConfig } from '../config.ts';
import type { ClickEvent } from '../core/events.ts';
import { checkDatasetArgs, formatReadReport, openDataset, readDataset, type ReadReport } from '../datasets/read-dataset.ts';
import { StreamrecError } from '../errors.ts';
import { onShutdownSignals } from '../lifecycle.ts';
import { createLogger } from '../log.ts';
import { feedEvents, type FeedSend } from '../pipeline/feed.ts';
import { resolveStack } from '../stack/index.ts';
import { feedIdentity, readFeedCheckpoint, writeFeedCheckpoint } from './feed-checkpoint.ts';

/** The command line options, as commander hands them over. */
export interface FeedFlags {
  format: string;
  rate?: string;
  encoding: string;
  sort?: boolean;
  sessionAsUser?: boolean;
  fromLine?: string;
  checkpoint?: string;
  maxOutage: string;
}

// Files up to this size are loaded and sorted by time; larger ones stream in file order.
const SORT_IN_MEMORY_MAX_BYTES = 512 * 1024 * 1024;
// Backoff between attempts while the broker is down (each attempt also waits out kafkajs's own ~10 s of retries).
const OUTAGE_BACKOFF_MAX_MS = 5000;

/** What `streamrec feed` does (declared in feed.ts). */
export async function feedAction(file: string, flags: FeedFlags): Promise<void> {
  const format = checkDatasetArgs(file, flags.format);
  const ratePerSec = parseRate(flags.rate);
  const fromLine = parsePositiveInt('--from-line', flags.fromLine ?? '1');
  const maxOutageMs = parsePositiveInt('--max-outage', flags.maxOutage) * 1000;
  if (flags.encoding !== 'json' && flags.encoding !== 'msgpack') {
    throw new StreamrecError('BAD_ARGUMENT', `--encoding "${flags.encoding}" is not json or msgpack`);
  }
  const encoding: EventFormat = flags.encoding;
  const sessionAsUser = flags.sessionAsUser === true;
  const sort = flags.sort ?? statSync(file).size <= SORT_IN_MEMORY_MAX_BYTES;
  const identity = feedIdentity(file, { format, sorted: sort, sessionAsUser, fromLine });
  const checkpoint = flags.checkpoint === undefined ? undefined : readFeedCheckpoint(flags.checkpoint, identity);
  if (checkpoint?.complete) {
    process.stdout.write(`nothing to do: ${flags.checkpoint} says all ${checkpoint.eventsAcked} events of ${file} were produced (delete it to feed again)\n`);
    return;
  }
  const resumeAt = checkpoint?.eventsAcked ?? 0;
  const saveCheckpoint = (acked: number, complete: boolean) => {
    if (flags.checkpoint !== undefined) writeFeedCheckpoint(flags.checkpoint, identity, acked, complete);
  };

  const config = await resolveStack(loadConfig(process.env));
  const log = createLogger('feed', config.logLevel === 'info' ? 'warn' : config.logLevel);
  const kafka = createKafka(config, log);
  await ensureTopics(kafka, config, [config.topics.clickstream], log);
  // Built again after a failed send: a fresh idempotent producer, and the old one's sends stop.
  let producer: ClickstreamProducer | undefined = await createClickstreamProducer(kafka, config, log);
  const send: FeedSend = async (chunk, acked) => {
    producer ??= await createClickstreamProducer(kafka, config, log);
    try {
      await producer.send(chunk, encoding, { acked });
    } catch (err) {
      const failed = producer;
      producer = undefined;
      await failed.close().catch(() => undefined);
      throw err;
    }
  };
  let stop = false;
  const removeHandlers = onShutdownSignals(() => {
    stop = true;
  });
  const bar = new SingleBar(
    { format: '{task} [{bar}] {percentage}% | {value}/{total} | {rate}/s', stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  try {
    let events: AsyncIterable<ClickEvent> | ClickEvent[];
    let report: () => ReadReport;
    if (sort) {
      bar.start(statSync(file).size, 0, { task: 'reading', rate: '-' });
      const read = await readDataset(file, format, { sessionAsUser, fromLine, onProgress: (p) => bar.update(p.bytesRead) });
      bar.stop();
      events = read.events.slice(resumeAt);
      report = () => read.report;
    } else {
      const stream = openDataset(file, format, { sessionAsUser, fromLine });
      events = skip(stream.events, resumeAt);
      report = stream.report;
    }
    if (resumeAt > 0) process.stderr.write(`streamrec feed: resuming after event ${resumeAt} (from ${flags.checkpoint})\n`);
    const total = Array.isArray(events) ? events.length : 0;
    const startedAt = Date.now();
    bar.start(total, 0, { task: 'producing', rate: '-' });
    const result = await feedEvents(events, send, {
      ratePerSec,
      shouldStop: () => stop,
      outage: {
        maxOutageMs,
        backoffMaxMs: OUTAGE_BACKOFF_MAX_MS,
        onOutage: (err, { waitMs, position }) =>
          process.stderr.write(
            `\nstreamrec feed: Kafka unavailable after event ${resumeAt + position} (${err.message}); ` +
              `retrying in ${(waitMs / 1000).toFixed(1)} s, backoff up to ${OUTAGE_BACKOFF_MAX_MS / 1000} s, for at most ${maxOutageMs / 1000} s (--max-outage)\n`,
          ),
        onRecovered: ({ outageMs, attempts }) =>
          process.stderr.write(`\nstreamrec feed: Kafka is back after ${(outageMs / 1000).toFixed(1)} s (${attempts} failed attempts); resuming\n`),
      },
      onProgress: (sent) => {
        saveCheckpoint(resumeAt + sent, false);
        if (total === 0) bar.setTotal(sent);
        bar.update(sent, { rate: Math.round((sent * 1000) / Math.max(1, Date.now() - startedAt)) });
      },
    });
    bar.stop();
    saveCheckpoint(resumeAt + result.sent, !result.stopped);
    const r = report();
    process.stdout.write(
      `${result.stopped ? 'stopped early: ' : ''}produced ${result.sent} events to ${config.topics.clickstream} in ${(result.elapsedMs / 1000).toFixed(1)} s ` +
        `(${Math.round(result.ratePerSec)} events/s${ratePerSec ? `, target ${ratePerSec}/s` : ''})` +
        `${resumeAt > 0 ? `, after ${resumeAt} produced before` : ''}; ${r.bad} bad rows, ${r.duplicates} duplicates skipped\n`,
    );
    if (result.stopped && flags.checkpoint !== undefined) {
      process.stdout.write(`resume with the same command: ${flags.checkpoint} says ${resumeAt + result.sent} events are in Kafka\n`);
    }
    if (r.bad > 0 || r.outOfOrder > 0) process.stdout.write(`${formatReadReport(r)}\n`);
  } finally {
    bar.stop();
    removeHandlers();
    await producer?.close();
  }
}

async function* skip(events: AsyncIterable<ClickEvent>, count: number): AsyncGenerator<ClickEvent> {
  let n = 0;
  for await (const e of events) if (n++ >= count) yield e;
}

function parsePositiveInt(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new StreamrecError('BAD_ARGUMENT', `${flag} "${raw}" must be a positive whole number`);
  return n;
}

function parseRate(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new StreamrecError('BAD_ARGUMENT', `--rate "${raw}" must be a positive number of events per second`, {
      hint: 'omit --rate to produce as fast as possible',
    });
  }
  return n;
}

import { statSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { createClickstreamProducer } from '../adapters/kafka/clickstream-producer.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import type { EventFormat } from '../adapters/kafka/codec.ts';
import { ensureTopics } from '../adapters/kafka/topics.ts';
import { loadConfig } from '../config.ts';
import type { ClickEvent } from '../core/events.ts';
import { checkDatasetArgs, formatReadReport, openDataset, readDataset, type ReadReport } from '../datasets/read-dataset.ts';
import { StreamrecError } from '../errors.ts';
import { onShutdownSignals } from '../lifecycle.ts';
import { createLogger } from '../log.ts';
import { feedEvents } from '../pipeline/feed.ts';
import { resolveStack } from '../stack/index.ts';
import type { FeedFlags } from './feed.ts';

// Files up to this size are loaded and sorted by time; larger ones stream in file order.
const SORT_IN_MEMORY_MAX_BYTES = 512 * 1024 * 1024;

/** What `streamrec feed` does (declared in feed.ts). */
export async function feedAction(file: string, flags: FeedFlags): Promise<void> {
  const format = checkDatasetArgs(file, flags.format);
  const ratePerSec = parseRate(flags.rate);
  if (flags.encoding !== 'json' && flags.encoding !== 'msgpack') {
    throw new StreamrecError('BAD_ARGUMENT', `--encoding "${flags.encoding}" is not json or msgpack`);
  }
  const config = await resolveStack(loadConfig(process.env));
  const log = createLogger('feed', config.logLevel === 'info' ? 'warn' : config.logLevel);
  const kafka = createKafka(config, log);
  await ensureTopics(kafka, config, [config.topics.clickstream], log);
  const producer = await createClickstreamProducer(kafka, config, log);
  let stop = false;
  const removeHandlers = onShutdownSignals(() => {
    stop = true;
  });
  const bar = new SingleBar(
    { format: '{task} [{bar}] {percentage}% | {value}/{total} | {rate}/s', stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  try {
    const sessionAsUser = flags.sessionAsUser === true;
    const sort = flags.sort ?? statSync(file).size <= SORT_IN_MEMORY_MAX_BYTES;
    let events: AsyncIterable<ClickEvent> | ClickEvent[];
    let report: () => ReadReport;
    if (sort) {
      bar.start(statSync(file).size, 0, { task: 'reading', rate: '-' });
      const read = await readDataset(file, format, { sessionAsUser, onProgress: (p) => bar.update(p.bytesRead) });
      bar.stop();
      events = read.events;
      report = () => read.report;
    } else {
      const stream = openDataset(file, format, { sessionAsUser });
      events = stream.events;
      report = stream.report;
    }
    const total = Array.isArray(events) ? events.length : 0;
    const startedAt = Date.now();
    bar.start(total, 0, { task: 'producing', rate: '-' });
    const result = await feedEvents(events, (chunk) => producer.send(chunk, flags.encoding as EventFormat), {
      ratePerSec,
      shouldStop: () => stop,
      onProgress: (sent) => {
        if (total === 0) bar.setTotal(sent);
        bar.update(sent, { rate: Math.round((sent * 1000) / Math.max(1, Date.now() - startedAt)) });
      },
    });
    bar.stop();
    const r = report();
    process.stdout.write(
      `${stop ? 'stopped early: ' : ''}produced ${result.sent} events to ${config.topics.clickstream} in ${(result.elapsedMs / 1000).toFixed(1)} s ` +
        `(${Math.round(result.ratePerSec)} events/s${ratePerSec ? `, target ${ratePerSec}/s` : ''}); ` +
        `${r.bad} bad rows, ${r.duplicates} duplicates skipped\n`,
    );
    if (r.bad > 0 || r.outOfOrder > 0) process.stdout.write(`${formatReadReport(r)}\n`);
  } finally {
    bar.stop();
    removeHandlers();
    await producer.close();
  }
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

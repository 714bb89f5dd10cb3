import cliProgress from 'cli-progress';
import { loadConfig } from '../config.ts';
import { checkDatasetArgs, formatReadReport, readDataset } from '../datasets/read-dataset.ts';
import { StreamrecError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { resolveStack } from '../stack/index.ts';
import { trainAndPublish } from '../training/train-and-publish.ts';

/** The command line options, as commander hands them over. */
export interface TrainCliOptions {
  format: string;
  dim?: string;
  out?: string;
  sessionAsUser?: boolean;
}

/** What `streamrec train` does (declared in train.ts). */
export async function trainAction(file: string, opts: TrainCliOptions): Promise<void> {
  const format = checkDatasetArgs(file, opts.format);
  const env = opts.dim === undefined ? process.env : { ...process.env, EMBEDDING_DIM: opts.dim };
  // --dim goes through loadConfig, so it gets the same validation and message as EMBEDDING_DIM.
  const config = await resolveStack(loadConfig(env));
  const log = createLogger('train', config.logLevel === 'info' ? 'warn' : config.logLevel);
  const bar = new cliProgress.SingleBar(
    { format: '{phase} [{bar}] {percentage}% | ETA {eta_formatted} | {value}/{total}', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let phase = '';
  const show = (name: string, done: number, total: number) => {
    if (name !== phase) {
      if (phase !== '') bar.stop();
      phase = name;
      bar.start(Math.max(1, total), 0, { phase: name.padEnd(12) });
    }
    bar.update(done);
  };
  const { events, report } = await readDataset(file, format, { sessionAsUser: opts.sessionAsUser === true, onProgress: (p) => show('reading', p.bytesRead, p.totalBytes) });
  bar.stop();
  phase = '';
  process.stderr.write(`${formatReadReport(report)}\n`);
  if (events.length === 0) {
    throw new StreamrecError('BAD_ARGUMENT', `no events could be read from ${file}`, { hint: `check that --format ${format} matches the file` });
  }
  const result = await trainAndPublish(config, log, events, file, show, opts.out === undefined ? {} : { snapshotPath: opts.out });
  bar.stop();
  const m = result.meta;
  process.stdout.write(
    `model ${m.version}: ${m.itemCount} items × ${m.dim} dims from ${events.length} events in ${m.trainedOn.trainSeconds} s\n` +
      `stored in Redis, published to ${config.topics.itemEmbeddings}, snapshot ${result.snapshotPath}\n`,
  );
}

import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { DATASET_FORMATS } from '../datasets/formats.ts';
import { checkDatasetArgs, formatReadReport, readDataset } from '../datasets/read-dataset.ts';
import { StreamrecError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { resolveStack } from '../stack/index.ts';
import { trainAndPublish } from '../training/train-and-publish.ts';

/** `streamrec train FILE --format F`: offline item embeddings → Redis, item-embeddings topic, HNSW snapshot. */
export function registerTrainCommand(program: Command): void {
  program
    .command('train <file>')
    .description('offline training of item embeddings from a clickstream file (new model version)')
    .requiredOption('--format <format>', DATASET_FORMATS.join(' | '))
    .option('--dim <n>', 'embedding dimension (default EMBEDDING_DIM; learners and API must use the same)')
    .option('--out <path>', 'where to write the HNSW snapshot (default under the state dir)')
    .option('--session-as-user', "each event's user is its session, where it has one")
    .action(async (file: string, opts: { format: string; dim?: string; out?: string; sessionAsUser?: boolean }) => {
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
    });
}

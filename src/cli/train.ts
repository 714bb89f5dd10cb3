import type { Command } from 'commander';
import type { TrainCliOptions } from './train-action.ts';
import { DATASET_FORMATS } from '../datasets/formats.ts';

/** `streamrec train FILE --format F`: offline item embeddings → Redis, item-embeddings topic, HNSW snapshot. */
export function registerTrainCommand(program: Command): void {
  program
    .command('train <file>')
    .description('offline training of item embeddings from a clickstream file (new model version)')
    .requiredOption('--format <format>', DATASET_FORMATS.join(' | '))
    .option('--dim <n>', 'embedding dimension (default EMBEDDING_DIM; learners and API must use the same)')
    .option('--out <path>', 'where to write the HNSW snapshot (default under the state dir)')
    .option('--session-as-user', "each event's user is its session, where it has one")
    .action(async (file: string, opts: TrainCliOptions) => (await import('./train-action.ts')).trainAction(file, opts));
}

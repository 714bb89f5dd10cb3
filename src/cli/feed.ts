import type { Command } from 'commander';
import { DATASET_FORMATS } from '../datasets/formats.ts';

export interface FeedFlags {
  format: string;
  rate?: string;
  encoding: string;
  sort?: boolean;
  sessionAsUser?: boolean;
}

/** `streamrec feed FILE --format F [--rate N]`: a dataset into the clickstream topic, in time order, keyed by user. */
export function registerFeedCommand(program: Command): void {
  program
    .command('feed <file>')
    .description('produce a dataset file into the clickstream topic, in time order, keyed by user')
    .requiredOption('--format <format>', DATASET_FORMATS.join(' | '))
    .option('--rate <eventsPerSec>', 'fixed rate (token bucket); default: as fast as possible')
    .option('--encoding <encoding>', 'message encoding: json | msgpack', 'json')
    .option('--sort', 'load and sort by time even for files over 512 MB')
    .option('--no-sort', 'stream in file order (constant memory)')
    .option('--session-as-user', "each event's user is its session, where it has one")
    .action(async (file: string, flags: FeedFlags) => (await import('./feed-action.ts')).feedAction(file, flags));
}

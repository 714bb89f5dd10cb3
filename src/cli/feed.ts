import type { Command } from 'commander';
import type { FeedFlags } from './feed-action.ts';
import { DATASET_FORMATS } from '../datasets/formats.ts';

/**
 * `streamrec feed FILE --format F [--rate N]`: a dataset into the clickstream topic, in time
 * order, keyed by user. Event ids are stable (jsonl: its own; other formats: file name and
 * line), so events sent again after a crash are recognised by the learner's eventId window.
 */
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
    .option('--from-line <n>', 'start at line N of the file (1-based; earlier lines are not read)')
    .option('--checkpoint <file>', 'resume from FILE if it exists; rewritten (atomically) after each acknowledged chunk')
    .option('--max-outage <seconds>', 'how long a broker outage is ridden out (capped backoff) before feed gives up', '300')
    .action(async (file: string, flags: FeedFlags) => (await import('./feed-action.ts')).feedAction(file, flags));
}

import type { Command } from 'commander';
import type { EvalCliOptions } from './eval-action.ts';
import { DATASET_FORMATS } from '../datasets/formats.ts';
import { AUTO_EXACT_MAX_ITEMS, DEFAULT_EVAL_SETTINGS, EVAL_INDEX_KINDS, EVAL_MODEL_NAMES } from '../eval/settings.ts';

export function registerEvalCommand(program: Command): void {
  program
    .command('eval <file>')
    .description('prequential (test-then-learn) offline evaluation, models side by side')
    .requiredOption('--format <format>', DATASET_FORMATS.join(' | '))
    .option('--k <n>', 'list length (default: DEFAULT_K, 10)')
    .option('--out <dir>', 'where results.json and hit-rate.svg go (default: .streamrec/eval/<file name>)')
    .option('--models <list>', `comma-separated, of ${EVAL_MODEL_NAMES.join(', ')}`, DEFAULT_EVAL_SETTINGS.models.join(','))
    .option('--limit <n>', 'replay only the first n events (in time order)')
    .option('--window <n>', 'test cases per point of the chart (default: about 50 points)')
    .option('--skip-prefix <fraction>', 'learn the first fraction of the replay without scoring it (the validation prefix tuning used), e.g. 0.3', '0')
    .option('--refit-every <n>', 'events between retrainings of the batch model; auto: 10,000, or as many as items seen when the catalogue is larger', String(DEFAULT_EVAL_SETTINGS.refitEveryEvents))
    .option('--index <kind>', `ANN index of the embedding models: ${EVAL_INDEX_KINDS.join(' | ')}; auto is exact up to ${AUTO_EXACT_MAX_ITEMS.toLocaleString('en')} distinct items, HNSW (as served) past it`, DEFAULT_EVAL_SETTINGS.index)
    .option('--workers <n>', 'worker processes the models are spread over (default: up to 2, one per core)')
    .option('--session-as-user', "each event's user is its session, where it has one (the session-based protocol)")
    .option('--session-gap <minutes>', "events without a session id get sessions split at idle gaps longer than this (e.g. 30 for retailrocket or taobao); with --session-as-user they become users")
    .option('--quiet', 'no progress bars')
    .action(async (file: string, opts: EvalCliOptions) => (await import('./eval-action.ts')).evalAction(file, opts));
}

import type { Command } from 'commander';
import type { InspectCliOptions } from './inspect-action.ts';

/**
 * `streamrec inspect user ID | item ID`: the facts of GET /v1/users/:id and
 * GET /v1/items/:id, for a terminal. By default it loads the model in-process and answers
 * with the routes' own views (no server, no HTTP stack); with --url it asks a running API.
 */
export function registerInspectCommand(program: Command): void {
  program
    .command('inspect <kind> <id>')
    .description('what the engine knows about a user or an item: inspect user ID | inspect item ID')
    .option('-k <k>', 'how many neighbours and recommendations', '10')
    .option('--url <url>', 'ask a running API (e.g. http://127.0.0.1:8080) instead of loading the model here')
    .option('--json', 'print the raw JSON answers')
    .action(async (kind: string, id: string, opts: InspectCliOptions) => (await import('./inspect-action.ts')).inspectAction(kind, id, opts));
}

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { DEFAULT_SYNTHETIC_OPTIONS as D, generateSynthetic } from '../datasets/synthetic.ts';
import { StreamrecError } from '../errors.ts';

interface SimulateCliOptions {
  users: string;
  items: string;
  events: string;
  seed: string;
  clusters: string;
  driftAt: string;
  driftShare: string;
  newItems: string;
  sequential: string;
  out?: string;
}

// The whole stream is generated in memory and sorted by time: about 300 bytes per event.
const MAX_EVENTS = 5_000_000;

function intArg(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new StreamrecError('BAD_ARGUMENT', `${name} must be an integer from ${min} to ${max}, got "${text}"`, { hint: `example: ${name} ${min}` });
  }
  return n;
}

function shareArg(name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new StreamrecError('BAD_ARGUMENT', `${name} must be a number from 0 to 1, got "${text}"`, { hint: `example: ${name} 0.5` });
  }
  return n;
}

async function writeLines(out: Writable, lines: Iterable<string>): Promise<void> {
  for (const line of lines) {
    if (!out.write(line)) await once(out, 'drain');
  }
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('seeded synthetic clickstream (planted tastes, Zipf popularity, sessions, new items, drift) as JSONL')
    .option('--users <n>', 'users', String(D.users))
    .option('--items <n>', 'items', String(D.items))
    .option('--events <n>', 'events', String(D.events))
    .option('--seed <n>', 'random seed (same seed, same file)', String(D.seed))
    .option('--clusters <n>', 'planted taste clusters', String(D.clusters))
    .option('--drift-at <share>', 'when tastes change, as a share of the time span', String(D.driftAt))
    .option('--drift-share <share>', 'share of users whose tastes change', String(D.driftShare))
    .option('--new-items <share>', 'share of items that arrive during the stream', String(D.newItemShare))
    .option('--sequential <share>', 'share of events after a session\'s first that follow the previous item\'s successor rule (order matters)', String(D.sequential))
    .option('--out <file>', 'output file (default: standard output)')
    .action(async (opts: SimulateCliOptions) => {
      const options = {
        users: intArg('--users', opts.users, 1, 10_000_000),
        items: intArg('--items', opts.items, 1, 10_000_000),
        events: intArg('--events', opts.events, 1, MAX_EVENTS),
        seed: intArg('--seed', opts.seed, 0, 2 ** 32 - 1),
        clusters: intArg('--clusters', opts.clusters, 1, 10_000),
        driftAt: shareArg('--drift-at', opts.driftAt),
        driftShare: shareArg('--drift-share', opts.driftShare),
        newItemShare: shareArg('--new-items', opts.newItems),
        sequential: shareArg('--sequential', opts.sequential),
      };
      const { events, truth } = generateSynthetic(options);
      const out: Writable = opts.out ? createWriteStream(opts.out) : process.stdout;
      const failed = new Promise<never>((_, reject) =>
        out.once('error', (err) => reject(new StreamrecError('BAD_ARGUMENT', `cannot write ${opts.out ?? 'stdout'}: ${err.message}`, { hint: 'check the --out path' }))),
      );
      await Promise.race([writeLines(out, (function* () {
        for (const e of events) yield `${JSON.stringify(e)}\n`;
      })()), failed]);
      if (opts.out) {
        out.end();
        await Promise.race([once(out, 'finish'), failed]);
      }
      process.stderr.write(
        `simulated ${events.length} events, ${options.users} users, ${options.items} items (seed ${options.seed}); ` +
          `tastes drift at ${new Date(truth.driftTs).toISOString()} (event ${truth.driftEventIndex + 1})` +
          (opts.out ? `; wrote ${opts.out}\n` : '\n'),
      );
    });
}

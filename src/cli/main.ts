import { Command, CommanderError } from 'commander';
import { formatErrorLine } from '../errors.ts';
import { addConfigOption } from './config-option.ts';
import { registerEvalCommand } from './eval.ts';
import { registerInspectCommand } from './inspect.ts';
import { registerServeCommand } from './serve.ts';
import { registerSimulateCommand } from './simulate.ts';
import { registerStackCommand } from './stack.ts';
import { registerLearnCommand } from './learn.ts';
import { registerFeedCommand } from './feed.ts';
import { registerStartCommand } from './start.ts';
import { registerTrainCommand } from './train.ts';
import { registerRefitCommand } from './refit.ts';
import { registerResetCommand } from './reset.ts';
import { registerModelCommand } from './model.ts';

/**
 * `streamrec <command>`: each command's name, options and help live in `<command>.ts` and
 * register here; what it does lives in `<command>-action.ts`, imported only when it runs,
 * so `--help` and a mistyped option never load kafkajs, ioredis, fastify or hnswlib.
 */
export function buildProgram(): Command {
  const program = new Command('streamrec')
    .description('Realtime recommendation engine with online learning')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  addConfigOption(program, process.env);
  registerStackCommand(program);
  registerStartCommand(program);
  registerTrainCommand(program);
  registerLearnCommand(program);
  registerRefitCommand(program);
  registerFeedCommand(program);
  registerEvalCommand(program);
  registerServeCommand(program);
  registerInspectCommand(program);
  registerSimulateCommand(program);
  registerModelCommand(program);
  registerResetCommand(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (unknown option, missing argument, help).
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`${formatErrorLine(err)}\n`);
    if (process.env.STREAMREC_DEBUG) console.error(err);
    process.exitCode = 1;
  }
}

await main(process.argv);

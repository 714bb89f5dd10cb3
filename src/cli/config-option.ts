import { resolve } from 'node:path';
import type { Command } from 'commander';

/**
 * `streamrec --config FILE <command>` (before or after the command): the JSON or YAML file of
 * settings loadConfig reads under the environment. It is handed on as STREAMREC_CONFIG,
 * absolute, before any action runs, so every command's loadConfig(process.env) and every
 * worker process it spawns read the same file.
 */
export function addConfigOption(program: Command, env: Record<string, string | undefined>): Command {
  return program
    .option('--config <file>', 'settings file, JSON or YAML (.yaml/.yml), keyed by variable name (as STREAMREC_CONFIG); the environment overrides it')
    .hook('preAction', (root) => {
      const file = root.opts<{ config?: string }>().config;
      if (file !== undefined) env.STREAMREC_CONFIG = resolve(file);
    });
}

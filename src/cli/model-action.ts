import { loadConfig } from '../config.ts';
import type { ModelMeta } from '../core/stores.ts';
import { StreamrecError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { resolveStack } from '../stack/index.ts';
import { listModelVersions, rollbackModel } from '../training/model-release.ts';

/** `streamrec model list`. */
export async function modelListAction(opts: { json?: boolean }): Promise<void> {
  const config = await resolveStack(loadConfig(process.env));
  const log = createLogger('model', config.logLevel === 'info' ? 'warn' : config.logLevel);
  const { versions, current } = await listModelVersions(config, log);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ current, versions }, null, 2)}\n`);
    return;
  }
  if (versions.length === 0) {
    process.stdout.write(`no model versions in Redis under prefix ${config.redis.keyPrefix} (streamrec train FILE --format F makes one)\n`);
    return;
  }
  for (const v of versions) process.stdout.write(`${v.version === current ? '*' : ' '} ${describeVersion(v)}\n`);
}

/** `streamrec model rollback [--to VERSION] --yes`. */
export async function modelRollbackAction(opts: { to?: string; yes?: boolean }): Promise<void> {
  const config = await resolveStack(loadConfig(process.env));
  if (!opts.yes) {
    throw new StreamrecError('BAD_ARGUMENT', `rollback serves ${opts.to ?? 'the version before the current one'} again to every learner and API process under key prefix "${config.redis.keyPrefix}"`, {
      hint: 'see the kept versions with `streamrec model list`, then run `streamrec model rollback --yes` (or `--to VERSION --yes`)',
    });
  }
  const log = createLogger('model', config.logLevel === 'info' ? 'warn' : config.logLevel);
  const r = await rollbackModel(config, log, opts.to);
  process.stdout.write(`serving ${r.meta.version}: the vectors of ${r.restored} (${r.meta.itemCount} items), in place of ${r.replaced}\n`);
  process.stdout.write(`published to ${config.topics.itemEmbeddings}; the refitter aligns its next refits onto it\n`);
  if (r.unavailable > 0) process.stdout.write(`${r.unavailable} items the catalog marks unavailable were left out\n`);
  if (r.notInRestored > 0) process.stdout.write(`${r.notInRestored} items of ${r.replaced} are not in ${r.restored}: they keep their vectors until the next refit places them\n`);
  process.stdout.write(`undo: streamrec model rollback --to ${r.replaced} --yes\n`);
}

function describeVersion(v: ModelMeta): string {
  const created = v.createdAtMs > 0 ? new Date(v.createdAtMs).toISOString() : 'created at an unknown time';
  const facts = Object.entries(v.trainedOn)
    .map(([k, value]) => `${k}=${value}`)
    .join(' ');
  return `${v.version}  ${created}  ${v.itemCount} items × ${v.dim}${facts ? `  ${facts}` : ''}`;
}

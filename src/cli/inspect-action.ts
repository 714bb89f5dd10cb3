import { loadConfig, type Config } from '../config.ts';
import { validateId } from '../core/events.ts';
import { ERROR_CODES, StreamrecError, type ErrorCode } from '../errors.ts';
import { formatItem, formatUser, type ItemFacts, type UserFacts, type RecommendationFacts } from './inspect-format.ts';

/** The command line options, as commander hands them over. */
export interface InspectCliOptions {
  k: string;
  url?: string;
  json?: boolean;
}

type Get = (path: string) => Promise<{ status: number; body: unknown }>;

/** What `streamrec inspect` does (declared in inspect.ts). */
export async function inspectAction(kind: string, id: string, opts: InspectCliOptions): Promise<void> {
  if (kind !== 'user' && kind !== 'item') {
    throw new StreamrecError('BAD_ARGUMENT', `cannot inspect "${kind}"`, { hint: 'use: streamrec inspect user ID, or streamrec inspect item ID' });
  }
  const problem = validateId(id, `${kind} id`);
  if (problem) throw new StreamrecError('BAD_ARGUMENT', problem);
  const k = Number(opts.k);
  if (!Number.isInteger(k) || k < 1 || k > 100) throw new StreamrecError('BAD_ARGUMENT', `-k "${opts.k}" must be an integer from 1 to 100`);
  const config = loadConfig(process.env);
  const out = await withApi(config, opts.url, async (get) => {
    const path = `/v1/${kind}s/${encodeURIComponent(id)}?k=${k}`;
    const facts = ensureOk(await get(path));
    if (kind === 'item') return opts.json ? JSON.stringify(facts, null, 2) : formatItem(facts as ItemFacts);
    const recs = ensureOk(await get(`/v1/users/${encodeURIComponent(id)}/recommendations?k=${k}`));
    if (opts.json) return JSON.stringify({ user: facts, recommendations: recs }, null, 2);
    return formatUser(facts as UserFacts, recs as RecommendationFacts);
  });
  process.stdout.write(`${out}\n`);
}

async function withApi<T>(config: Config, url: string | undefined, run: (get: Get) => Promise<T>): Promise<T> {
  const headers: Record<string, string> = config.http.apiKey ? { 'x-api-key': config.http.apiKey } : {};
  if (url !== undefined) {
    const base = url.replace(/\/+$/, '');
    return run(async (path) => {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
      } catch (err) {
        throw new StreamrecError('BAD_ARGUMENT', `no API answers at ${base} (${(err as Error).message})`, {
          hint: 'start one with `streamrec serve`, or drop --url to inspect in-process',
          cause: err,
        });
      }
      return { status: res.status, body: await res.json().catch(() => ({})) };
    });
  }
  // Loaded only here: --url needs none of the API's composition (fastify, kafkajs, ioredis).
  const [{ createLogger }, { createApiProcess }, { resolveStack }] = await Promise.all([import('../log.ts'), import('../serving/api.ts'), import('../stack/index.ts')]);
  // Logs would bury the answer: only problems are shown.
  const log = createLogger('inspect', 'error');
  const api = await createApiProcess(await resolveStack(config), log, { trendingFeed: false });
  try {
    return await run(async (path) => {
      const res = await api.app.inject({ url: path, headers });
      return { status: res.statusCode, body: res.json() as unknown };
    });
  } finally {
    await api.close();
  }
}

function ensureOk(res: { status: number; body: unknown }): unknown {
  if (res.status === 200) return res.body;
  const b = res.body as { error?: string; message?: string; hint?: string };
  const code: ErrorCode = (ERROR_CODES as readonly string[]).includes(b.error ?? '') ? (b.error as ErrorCode) : 'INTERNAL';
  const options = b.hint ? { hint: b.hint } : {};
  throw new StreamrecError(code, b.message ?? `the API answered ${res.status}`, options);
}

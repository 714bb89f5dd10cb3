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

/** The answers of GET /v1/users/:id, /v1/users/:id/recommendations and /v1/items/:id. */
interface Facts {
  user(userId: string, k: number): Promise<unknown>;
  recommendations(userId: string, k: number): Promise<unknown>;
  item(itemId: string, k: number): Promise<unknown>;
}

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
  const out = await withFacts(config, opts.url, async (facts) => {
    if (kind === 'item') {
      const item = await facts.item(id, k);
      return opts.json ? JSON.stringify(item, null, 2) : formatItem(item as ItemFacts);
    }
    const user = await facts.user(id, k);
    const recs = await facts.recommendations(id, k);
    if (opts.json) return JSON.stringify({ user, recommendations: recs }, null, 2);
    return formatUser(user as UserFacts, recs as RecommendationFacts);
  });
  process.stdout.write(`${out}\n`);
}

async function withFacts<T>(config: Config, url: string | undefined, run: (facts: Facts) => Promise<T>): Promise<T> {
  return url === undefined ? withModelHere(config, run) : run(factsOverHttp(config, url));
}

function factsOverHttp(config: Config, url: string): Facts {
  const headers: Record<string, string> = config.http.apiKey ? { 'x-api-key': config.http.apiKey } : {};
  const base = url.replace(/\/+$/, '');
  const get = async (path: string): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new StreamrecError('BAD_ARGUMENT', `no API answers at ${base} (${(err as Error).message})`, {
        hint: 'start one with `streamrec serve`, or drop --url to inspect in-process',
        cause: err,
      });
    }
    return ensureOk(res.status, await res.json().catch(() => ({})));
  };
  return {
    user: (userId, k) => get(`/v1/users/${encodeURIComponent(userId)}?k=${k}`),
    recommendations: (userId, k) => get(`/v1/users/${encodeURIComponent(userId)}/recommendations?k=${k}`),
    item: (itemId, k) => get(`/v1/items/${encodeURIComponent(itemId)}?k=${k}`),
  };
}

/**
 * The model loaded here, asked through the same views the API's routes answer with; only
 * Redis, Kafka and the index are loaded (no fastify, which with its schema compiler would
 * cost more than the answer), and only on this path: --url needs none of it.
 */
async function withModelHere<T>(config: Config, run: (facts: Facts) => Promise<T>): Promise<T> {
  // The bound of the routes' k (MAX_K), which the API would answer with a 400.
  const boundK = (k: number): number => {
    if (k > config.model.maxK) {
      throw new StreamrecError('BAD_REQUEST', `k must be an integer from 1 to ${config.model.maxK}, got "${k}"`, { hint: 'plain decimal digits, e.g. k=10' });
    }
    return k;
  };
  const [{ createLogger }, { openInspection }, { resolveStack }, views] = await Promise.all([
    import('../log.ts'),
    import('../serving/inspection.ts'),
    import('../stack/index.ts'),
    import('../adapters/http/views.ts'),
  ]);
  // Logs would bury the answer: only problems are shown.
  const log = createLogger('inspect', 'error');
  const model = await openInspection(await resolveStack(config), log);
  try {
    return await run({
      user: async (userId, k) => views.userView(model, userId, boundK(k)),
      recommendations: async (userId, k) => {
        const loaded = await views.loadUserForRecommend(model, userId, false, log);
        return views.recommendationsView(model, userId, loaded, { k: boundK(k), exclude: [] }).body;
      },
      item: async (itemId, k) => views.itemView(model, itemId, boundK(k)),
    });
  } finally {
    await model.close();
  }
}

function ensureOk(status: number, body: unknown): unknown {
  if (status === 200) return body;
  const b = body as { error?: string; message?: string; hint?: string };
  const code: ErrorCode = (ERROR_CODES as readonly string[]).includes(b.error ?? '') ? (b.error as ErrorCode) : 'INTERNAL';
  const options = b.hint ? { hint: b.hint } : {};
  throw new StreamrecError(code, b.message ?? `the API answered ${status}`, options);
}

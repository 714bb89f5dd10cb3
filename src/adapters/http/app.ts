import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isStreamrecError } from '../../errors.ts';
import { createKeyCheck } from './auth.ts';
import type { AppDeps } from './deps.ts';
import { installErrorHandler } from './error-handler.ts';
import { installMetrics } from './metrics.ts';
import { installNumericParams } from './numeric-params.ts';
import type { RouteContext, TypedApp } from './route-kit.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { itemRoutes } from './routes/items.ts';
import { mapRoutes } from './routes/map.ts';
import { recommendationRoutes } from './routes/recommendations.ts';
import { userRoutes } from './routes/users.ts';

const PAGE_HTML = readFileSync(new URL('./page/index.html', import.meta.url), 'utf8');
const REQUEST_ID = /^[A-Za-z0-9._:@/+=~-]{1,128}$/;

// On every answer: the page and /docs must not be framed (clickjacking), sniffed into
// another type, or leak their URL to other sites.
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
} as const;

/** The built API: composition code listens, injects and closes it. */
export type HttpApp = FastifyInstance;

/**
 * The API as a fastify factory: it never listens (the serving composition does, tests
 * use inject()). Resources it is given belong to the caller; it owns only its metrics.
 */
export async function buildApp(deps: AppDeps): Promise<HttpApp> {
  const { config } = deps;
  const app: TypedApp = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: config.http.bodyLimitBytes,
    // Request ids in logs and responses make one slow request findable. A caller's id is
    // kept only when short and plain; anything else would be echoed into logs and headers.
    requestIdHeader: false,
    genReqId: (raw) => {
      const given = raw.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Per-request info lines would dominate the log at thousands of requests a second.
    logController: new LogController({ disableRequestLogging: true }),
    // Ids may be 128 characters, several bytes each once URL-encoded; validateId bounds them.
    routerOptions: { maxParamLength: 2048 },
    // Malformed URLs are rejected by the router before any handler: same error shape as the rest.
    frameworkErrors: (error, _request, reply) => {
      void (reply as FastifyReply).status(400).send({ error: 'BAD_REQUEST', message: error.message, hint: 'percent-encode ids in paths' });
    },
    // No type coercion: a JSON body keeps its types ("false" is not a boolean), and numeric
    // query and path parameters are parsed strictly by installNumericParams.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', async (request, reply) => {
    void reply.headers(SECURITY_HEADERS).header('x-request-id', request.id);
  });
  installErrorHandler(app);
  installNumericParams(app);
  const metrics = installMetrics(app, deps.registry);

  await app.register(rateLimit, {
    max: config.http.rateLimitPerMinute,
    timeWindow: 60_000,
    // Probes must keep working while a client is being throttled.
    allowList: (request) => request.url === '/healthz' || request.url === '/readyz',
    keyGenerator: rateLimitKey,
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'streamrec',
        version: '0.1.0',
        description: 'Realtime recommendations with online learning. Writes need the x-api-key header.',
      },
      components: { securitySchemes: { apiKey: { type: 'apiKey', name: 'x-api-key', in: 'header' } } },
    },
  });
  // Wall-clock time for the failure windows: deps.nowMs may be a frozen test clock.
  const checkKey = createKeyCheck(config.http.apiKey, { failuresPerMinute: config.http.authFailuresPerMinute, nowMs: Date.now });
  const readKey: RouteContext['readKey'] = config.http.readsRequireKey ? async (request, reply) => checkKey(request, reply) : async () => {};
  // The API description is a read like any other: keyed when reads are.
  await app.register(swaggerUi, { routePrefix: '/docs', uiHooks: { onRequest: readKey } });

  const ctx: RouteContext = {
    deps,
    metrics,
    requireKey: async (request, reply) => checkKey(request, reply),
    readKey,
    mayRead: (request) => {
      if (!config.http.readsRequireKey) return true;
      try {
        checkKey(request);
        return true;
      } catch (err) {
        if (isStreamrecError(err)) return false;
        throw err;
      }
    },
    nowMs: deps.nowMs ?? Date.now,
  };

  for (const routes of [healthRoutes, recommendationRoutes, userRoutes, itemRoutes, eventRoutes, mapRoutes]) await app.register(routes, ctx);
  app.get(
    '/',
    { schema: { hide: true, response: { 200: Type.String() } } },
    async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE_HTML),
  );
  return app;
}

/**
 * The rate limit's client key: the plugin's own (normalizeIP: IPv6 by /64 subnet), except for a
 * client that reset its connection before the hook ran. It has no address left, and normalizeIP
 * would throw and log an error with a stack for what is only a client going away.
 */
export function rateLimitKey(request: { ip: string | undefined }): string {
  return request.ip === undefined ? 'connection-gone' : normalizeIP(request.ip);
}

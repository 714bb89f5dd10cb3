import { parseEvent, type ClickEvent } from '../../../core/events.ts';
import { StreamrecError, toStreamrecError } from '../../../errors.ts';
import { withTimeout } from '../../../lifecycle.ts';
import { ErrorBody, EventsAccepted, EventsBody } from '../schemas.ts';
import type { RouteContext, TypedApp } from '../route-kit.ts';

const MAX_BATCH = 10_000;

export function registerEventRoutes(app: TypedApp, ctx: RouteContext): void {
  app.post(
    '/v1/events',
    {
      onRequest: ctx.requireKey,
      // The schema documents the shape; the handler words the one mistake it can catch.
      attachValidation: true,
      schema: {
        summary: 'Produce one event or a batch to the clickstream (API key). Bad events are reported, good ones kept',
        tags: ['events'],
        security: [{ apiKey: [] }],
        body: EventsBody,
        response: { 202: EventsAccepted, '4xx': ErrorBody, '5xx': ErrorBody },
      },
    },
    async (request, reply) => {
      if (request.validationError) {
        throw new StreamrecError('BAD_REQUEST', 'body must be one event (a JSON object) or a non-empty JSON array of events', {
          hint: 'send content-type application/json; events are { eventId, userId, itemId, type, ts (epoch ms), sessionId?, value? }',
        });
      }
      const raw: unknown[] = Array.isArray(request.body) ? request.body : [request.body];
      if (raw.length > MAX_BATCH) {
        throw new StreamrecError('BAD_REQUEST', `batch of ${raw.length} events, the limit is ${MAX_BATCH}`, {
          hint: 'split the batch',
        });
      }
      const nowMs = ctx.nowMs();
      const good: ClickEvent[] = [];
      const rejected: Array<{ index: number; reason: string }> = [];
      raw.forEach((candidate, index) => {
        const parsed = parseEvent(candidate, nowMs);
        if (parsed.ok) good.push(parsed.event);
        else rejected.push({ index, reason: parsed.reason });
      });
      if (good.length === 0) {
        return reply.status(400).send({
          error: 'BAD_EVENT',
          message: `no valid event: ${rejected.map((r) => `[${r.index}] ${r.reason}`).join('; ')}`,
          hint: 'events are { eventId, userId, itemId, type, ts (epoch ms), sessionId?, value? }',
          rejected,
        });
      }
      if (!ctx.deps.health.report().checks.kafka) {
        throw new StreamrecError('KAFKA_UNAVAILABLE', 'events were not stored: Kafka does not answer', {
          hint: 'nothing from this request was accepted; retry it',
        });
      }
      const timeoutMs = ctx.deps.config.http.produceTimeoutMs;
      try {
        await withTimeout(ctx.deps.events.send(good), timeoutMs, () => new StreamrecError('KAFKA_UNAVAILABLE', `no acknowledgement within ${timeoutMs} ms`));
      } catch (err) {
        const e = toStreamrecError(err, 'KAFKA_UNAVAILABLE');
        throw new StreamrecError(e.code === 'INTERNAL' ? 'KAFKA_UNAVAILABLE' : e.code, `events were not stored: ${e.message}`, {
          cause: err,
          hint: 'nothing from this request was accepted; retry it',
        });
      }
      return reply.status(202).send({ accepted: good.map((e) => e.eventId), rejected });
    },
  );
}

import { parseEvent, type ClickEvent } from '../../../core/events.ts';
import { HTTP_STATUS, StreamrecError, toStreamrecError } from '../../../errors.ts';
import { withTimeout } from '../../../lifecycle.ts';
import { ErrorBody, EventsAccepted, EventsBody } from '../schemas.ts';
import type { RoutePlugin } from '../route-kit.ts';

const MAX_BATCH = 10_000;

export const eventRoutes: RoutePlugin = async (app, ctx) => {
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
      // Events are produced in chunks: when a later chunk fails, the earlier ones are stored.
      let acked = 0;
      let sending = 0;
      const abort = new AbortController();
      try {
        const sent = ctx.deps.events.send(good, { acked: (n) => (acked = n), sending: (n) => (sending = n), signal: abort.signal });
        // Past the deadline the chunk in flight still settles; its outcome is already reported as unconfirmed.
        sent.catch(() => undefined);
        await withTimeout(sent, timeoutMs, () => new StreamrecError('KAFKA_UNAVAILABLE', `no acknowledgement within ${timeoutMs} ms`));
      } catch (err) {
        // No chunk starts after this answer, so what it calls never sent stays so.
        abort.abort();
        const e = toStreamrecError(err, 'KAFKA_UNAVAILABLE');
        const code = e.code === 'INTERNAL' ? 'KAFKA_UNAVAILABLE' : e.code;
        const ids = good.map((ev) => ev.eventId);
        request.log.warn({ error: code, message: e.message, acked, inFlight: sending - acked, notSent: good.length - sending }, 'request failed');
        if (HTTP_STATUS[code] >= 500) void reply.header('retry-after', '1');
        return reply.status(HTTP_STATUS[code]).send({
          error: code,
          message: `${acked} of ${good.length} events stored (listed in accepted), ${sending - acked} unconfirmed, ${good.length - sending} not sent: ${e.message}`,
          hint: 'retry the events not in accepted, or the whole request: an eventId is applied once (while fewer than EVENT_ID_WINDOW events of its user were applied since)',
          accepted: ids.slice(0, acked),
          unconfirmed: ids.slice(acked, sending),
          notSent: ids.slice(sending),
          rejected,
        });
      }
      return reply.status(202).send({ accepted: good.map((e) => e.eventId), rejected });
    },
  );
};

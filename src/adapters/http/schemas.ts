import { Type, type Static } from '@fastify/type-provider-typebox';
import { EVENT_TYPES, ID_MAX_LENGTH } from '../../core/events.ts';

/**
 * Request and response schemas of every route (OpenAPI at /docs is generated from
 * these). Ids are only bounded here; their characters are checked with validateId so
 * the message says what is wrong in words.
 */
export const Id = Type.String({ minLength: 1, maxLength: ID_MAX_LENGTH });

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Error code, e.g. BAD_REQUEST, NOT_FOUND, UNAUTHORIZED' }),
    message: Type.String(),
    hint: Type.Optional(Type.String()),
    rejected: Type.Optional(Type.Array(Type.Object({ index: Type.Integer(), reason: Type.String() }))),
    accepted: Type.Optional(Type.Array(Type.String(), { description: 'POST /v1/events stopped half-way: eventIds Kafka acknowledged' })),
    unconfirmed: Type.Optional(Type.Array(Type.String(), { description: 'POST /v1/events stopped half-way: eventIds in flight, which may or may not be stored' })),
    notSent: Type.Optional(Type.Array(Type.String(), { description: 'POST /v1/events stopped half-way: eventIds never sent' })),
  },
);

export const UserParams = Type.Object({ userId: Id });
export const ItemParams = Type.Object({ itemId: Id });

export function kQuery(defaultK: number, maxK: number) {
  return Type.Integer({ minimum: 1, maximum: maxK, default: defaultK, description: `how many items (1..${maxK})` });
}

export const RecommendationItem = Type.Object({
  itemId: Type.String(),
  score: Type.Number(),
  source: Type.Union([Type.Literal('model'), Type.Literal('trending')]),
  promoted: Type.Optional(Type.Literal(true, { description: "lifted by a promotion (the catalog item's boost): label it as the store must" })),
});

export const Recommendations = Type.Object({
  userId: Type.String(),
  items: Type.Array(RecommendationItem),
  modelVersion: Type.String(),
  recommendationId: Type.String(),
  /** True when the user is unknown or has no usable embedding: items are trending ones. */
  cold: Type.Boolean(),
  /** True when some items come from the trending fallback. */
  fallback: Type.Boolean(),
  /** True when a dependency (Redis) did not answer and personalisation was skipped. */
  degraded: Type.Boolean(),
  underfilled: Type.Integer({ description: 'how many of the k requested could not be filled' }),
});
export type RecommendationsBody = Static<typeof Recommendations>;

/** `promoted`: lifted by a promotion (similar's lists; a storefront may label it). */
export const Neighbours = Type.Array(Type.Object({ itemId: Type.String(), score: Type.Number(), promoted: Type.Optional(Type.Literal(true)) }));

export const SimilarItems = Type.Object({
  itemId: Type.String(),
  items: Neighbours,
  modelVersion: Type.String(),
});

export const HistoryItem = Type.Object({
  itemId: Type.String(),
  type: Type.String(),
  ts: Type.Number(),
});

export const UserView = Type.Object({
  userId: Type.String(),
  embedding: Type.Array(Type.Number()),
  norm: Type.Number(),
  eventCount: Type.Integer(),
  history: Type.Array(HistoryItem),
  lastEventTs: Type.Union([Type.Number(), Type.Null()]),
  updatedAtMs: Type.Union([Type.Number(), Type.Null()]),
  nearestItems: Neighbours,
  /**
   * The learner's ranking stored with this state (what recommend serves instead of searching),
   * null when none was stored. An itemId is null when no indexed item, or more than one, has
   * the stored hash.
   */
  storedRanking: Type.Union([
    Type.Object({
      items: Type.Array(Type.Object({ itemId: Type.Union([Type.String(), Type.Null()]), score: Type.Number() })),
      /** Whether recommend serves it now: ranked in the current model's item space (lineage), not older than RECOMMEND_POOL_MAX_AGE_MS. */
      served: Type.Boolean(),
    }),
    Type.Null(),
  ]),
  modelVersion: Type.String(),
});
export type UserViewBody = Static<typeof UserView>;

export const CatalogMeta = Type.Object({
  title: Type.Optional(Type.String()),
  category: Type.Optional(Type.String()),
  available: Type.Boolean(),
  updatedAtMs: Type.Number(),
  boost: Type.Optional(Type.Number()),
  boostUntilMs: Type.Optional(Type.Number()),
});

export const ItemView = Type.Object({
  itemId: Type.String(),
  inIndex: Type.Boolean(),
  embedding: Type.Union([Type.Array(Type.Number()), Type.Null()]),
  norm: Type.Union([Type.Number(), Type.Null()]),
  metadata: Type.Union([CatalogMeta, Type.Null()]),
  neighbours: Neighbours,
  modelVersion: Type.String(),
});
export type ItemViewBody = Static<typeof ItemView>;

export const ItemPut = Type.Object(
  {
    title: Type.Optional(Type.String({ maxLength: 512 })),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: ID_MAX_LENGTH })),
    available: Type.Optional(Type.Boolean({ default: true })),
    boost: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1,
        description: "a promotion: wherever the model proposes the item for a user, it is lifted by this share of the list's score spread (1: from the bottom to the top); never shown to a user the model did not propose it for",
      }),
    ),
    boostUntilMs: Type.Optional(Type.Integer({ minimum: 0, description: 'when the boost lapses, epoch milliseconds; none: until the item is written again' })),
  },
  { additionalProperties: false },
);

export const ItemWritten = Type.Object({ itemId: Type.String(), metadata: CatalogMeta });
export const ItemRemoved = Type.Object({ itemId: Type.String(), removed: Type.Literal(true) });

/** Events are validated one by one with parseEvent (a bad one must not sink the batch). */
export const EventsBody = Type.Union([Type.Array(Type.Unknown(), { minItems: 1 }), Type.Object({}, { additionalProperties: true })], {
  description: `one event or an array of events: { eventId, userId, itemId, type (${EVENT_TYPES.join('|')}), ts (epoch ms), sessionId?, value? }`,
});

export const EventsAccepted = Type.Object({
  accepted: Type.Array(Type.String(), { description: 'eventIds produced to the clickstream topic' }),
  rejected: Type.Array(Type.Object({ index: Type.Integer(), reason: Type.String() })),
});

export const HealthBody = Type.Object({ status: Type.Literal('ok') });

/** Everything but `ready` is left out when reads need a key and the request has no right one. */
export const ReadyBody = Type.Object({
  ready: Type.Boolean(),
  state: Type.Optional(Type.Union([Type.Literal('starting'), Type.Literal('running'), Type.Literal('degraded'), Type.Literal('draining')])),
  checks: Type.Optional(Type.Object({ index: Type.Boolean(), feed: Type.Boolean(), redis: Type.Boolean(), kafka: Type.Boolean() })),
  indexSize: Type.Optional(Type.Integer()),
  modelVersion: Type.Optional(Type.String()),
});

export const MapPoint = Type.Object({
  itemId: Type.String(),
  x: Type.Number(),
  y: Type.Number(),
  category: Type.Optional(Type.String()),
});

export const MapBody = Type.Object({
  points: Type.Array(MapPoint),
  sampled: Type.Boolean(),
  indexSize: Type.Integer(),
  explainedVariance: Type.Array(Type.Number()),
  user: Type.Union([Type.Object({ userId: Type.String(), x: Type.Number(), y: Type.Number() }), Type.Null()]),
  recommended: Type.Array(MapPoint),
});

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ColdState } from '../../core/cold-choice.ts';
import type { BlendState } from '../../core/model.ts';

/** What the learner reports; rates (events/s) come from the counters via rate(). */
export interface PipelineMetrics {
  eventsApplied: Counter;
  eventsSkipped: Counter;
  topicChanged: Counter;
  deadLetters: Counter<'reason'>;
  listsPublished: Counter;
  itemVectorsPublished: Counter;
  retries: Counter<'step'>;
  batchSize: Histogram;
  batchSeconds: Histogram;
  /**
   * Ingest (the record's Kafka timestamp: when the API or feed produced it) to list published:
   * the pipeline's own latency, whatever the age of the data replayed or fed.
   */
  freshnessSeconds: Histogram;
  /** Event time (its ts field) to list published: includes the data's age (replays, late events). */
  eventAgeSeconds: Histogram;
  consumerLag: Gauge<'partition'>;
  itemEmbeddingsApplied: Counter<'kind'>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// Up to a week: the age of replayed data is days, of live data the latency above.
const EVENT_AGE_BUCKETS = [...LATENCY_BUCKETS, 60, 300, 3600, 86_400, 604_800];

export function createPipelineMetrics(registry: Registry): PipelineMetrics {
  const registers = [registry];
  return {
    eventsApplied: new Counter({ name: 'streamrec_events_applied_total', help: 'Events applied to user state', registers }),
    eventsSkipped: new Counter({
      name: 'streamrec_events_skipped_total',
      help: 'Events at or below the stored position (replays after a crash, a rebalance or a retried write), not applied again',
      registers,
    }),
    topicChanged: new Counter({
      name: 'streamrec_events_topic_changed_total',
      help: 'Events of users whose stored position is in an earlier topic of the same name (deleted and created again), by ON_TOPIC_CHANGE policy',
      labelNames: ['policy'],
      registers,
    }),
    deadLetters: new Counter({ name: 'streamrec_dead_letters_total', help: 'Messages sent to the dead-letter topic', labelNames: ['reason'], registers }),
    listsPublished: new Counter({ name: 'streamrec_lists_published_total', help: 'Recommendation lists published', registers }),
    itemVectorsPublished: new Counter({ name: 'streamrec_item_vectors_published_total', help: 'Online item vectors published', registers }),
    retries: new Counter({ name: 'streamrec_retries_total', help: 'Retried steps after transient faults', labelNames: ['step'], registers }),
    batchSize: new Histogram({
      name: 'streamrec_batch_size',
      help: 'Messages per consumed batch',
      buckets: [1, 10, 50, 100, 500, 1000, 2500, 5000, 10_000],
      registers,
    }),
    batchSeconds: new Histogram({ name: 'streamrec_batch_duration_seconds', help: 'Time to process one batch', buckets: LATENCY_BUCKETS, registers }),
    freshnessSeconds: new Histogram({
      name: 'streamrec_freshness_seconds',
      help: "Ingest (the event record's Kafka timestamp) to recommendation list published",
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    eventAgeSeconds: new Histogram({
      name: 'streamrec_event_age_seconds',
      help: "Event time (the event's ts) to recommendation list published; replayed or late data land in the top buckets",
      buckets: EVENT_AGE_BUCKETS,
      registers,
    }),
    consumerLag: new Gauge({ name: 'streamrec_consumer_lag', help: 'Messages behind the high watermark, per partition', labelNames: ['partition'], registers }),
    itemEmbeddingsApplied: new Counter({
      name: 'streamrec_item_embeddings_applied_total',
      help: 'Item-embeddings changes applied to the local index',
      labelNames: ['kind'],
      registers,
    }),
  };
}

/** A gauge read at scrape time; `read` undefined leaves it unset. */
function scrapedGauge(registry: Registry, name: string, help: string, read: () => number | undefined): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      const value = read();
      if (value !== undefined) this.set(value);
    },
  });
}

/** A gauge with one value per alternative, each named by its `labelNames` values, read at scrape time. */
function scrapedPerLabels(registry: Registry, name: string, help: string, labelNames: readonly string[], read: () => ReadonlyArray<readonly [Record<string, string>, number]>): void {
  new Gauge({
    name,
    help,
    labelNames: [...labelNames],
    registers: [registry],
    collect() {
      for (const [labels, value] of read()) this.set(labels, value);
    },
  });
}

/** scrapedPerLabels with one label. */
function scrapedPerLabel(registry: Registry, name: string, help: string, label: string, read: () => ReadonlyArray<readonly [string, number]>): void {
  scrapedPerLabels(registry, name, help, [label], () => read().map(([key, value]) => [{ [label]: key }, value] as const));
}

/**
 * The model's blend choice (core/blend-choice.ts) as gauges read at scrape time: the session
 * weight served, and per alternative the discounted hit rate of its top of the lists users
 * then acted on, the model's live accuracy.
 */
export function registerBlendMetrics(registry: Registry, blend: () => BlendState): void {
  scrapedGauge(registry, 'streamrec_blend_session_weight', 'Session-neighbour weight of the blend this process serves (chosen by the live hit rates below)', () => blend().sessionWeight);
  scrapedPerLabel(registry, 'streamrec_blend_hit_rate', "Discounted share of users' next positive events found in the top 10 of each alternative blend's last list for them", 'blend', () => {
    const { labels, hitRates } = blend();
    return labels.map((label, a) => [label, hitRates[a] ?? 0] as const);
  });
  scrapedPerLabel(registry, 'streamrec_blend_served', 'Which alternative blend this process serves: 1 for it, 0 for the others (the session weight above alone does not tell 30 from 30+last10)', 'blend', () => {
    const { labels, served } = blend();
    return labels.map((label) => [label, label === served ? 1 : 0] as const);
  });
}

/** What the index gauges read: the serving index's size, stale points and background rebuilds. */
export interface IndexHealth {
  readonly size: number;
  readonly stale: number;
  readonly rebuilds: number;
}

/**
 * The HNSW index as gauges read at scrape time: items, points a refit moved whose links wait
 * for the background rebuild (searches score them right but may miss them), rebuilds done.
 */
export function registerIndexMetrics(registry: Registry, index: IndexHealth): void {
  scrapedGauge(registry, 'streamrec_index_items', 'Items in the HNSW index', () => index.size);
  scrapedGauge(registry, 'streamrec_index_stale_points', 'Points moved by a refit whose graph links wait for the background rebuild', () => index.stale);
  scrapedGauge(registry, 'streamrec_index_rebuilds', 'HNSW graphs rebuilt in the background since start (one per refit)', () => index.rebuilds);
}

/**
 * The popularity horizon serving cold users (core/cold-choice.ts) as gauges read at scrape time:
 * its half-life, and per horizon the discounted hit rate of its top over cold users' first events.
 */
export function registerColdMetrics(registry: Registry, cold: () => ColdState | undefined): void {
  scrapedGauge(registry, 'streamrec_cold_half_life_seconds', 'Trending half-life of the lists cold users are served (chosen by the hit rates below)', () => {
    const state = cold();
    return state === undefined ? undefined : state.halfLifeMs / 1000;
  });
  scrapedGauge(registry, 'streamrec_cold_entry', "1 when the horizon serving cold users counts users' first events only (an entry tracker), else 0", () => {
    const state = cold();
    return state === undefined ? undefined : state.entry ? 1 : 0;
  });
  scrapedPerLabels(
    registry,
    'streamrec_cold_hit_rate',
    "Discounted share of cold users' first positive events found in the top 10 of each horizon's list (events: all positive events, or first events only)",
    ['half_life_days', 'events'],
    () => {
      const state = cold();
      return state === undefined ? [] : state.horizons.map((h, a) => [{ half_life_days: String(h.halfLifeMs / 86_400_000), events: h.entry ? 'first' : 'all' }, state.hitRates[a] ?? 0] as const);
    },
  );
}

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the refit worker reports: its progress through the clickstream and every refit's fate. */
export interface RefitterMetrics {
  /** Refits by outcome: served, held_back (release check), dropped (the served model was replaced meanwhile), empty, failed. */
  refits: Counter<'outcome'>;
  refitSeconds: Histogram;
  /** The release check's sampled hit rates of the last refit it judged, of the candidate and of the version it would replace. */
  releaseHitRate: Gauge<'model'>;
  /** When the last served refit was made (Unix seconds): refits that stop show as a growing age. */
  lastServedSeconds: Gauge;
}

export interface RefitterLive {
  caughtUp(): boolean;
  published(): number;
  nextRefitAt(): number;
  eventsSeen(): number;
  /** Messages by what became of them (read at scrape time: nothing is counted per event here). */
  messages(): { observed: number; skipped: number; duplicate: number; repeated: number };
}

export function createRefitterMetrics(registry: Registry, live: RefitterLive): RefitterMetrics {
  const registers = [registry];
  new Counter({
    name: 'streamrec_refitter_events_total',
    help: 'Clickstream messages read by the refitter: observed, skipped (undecodable: the learner dead-letters them), duplicate (redelivered after a rebalance), repeated (a client resent the eventId)',
    labelNames: ['kind'],
    registers,
    collect() {
      this.reset();
      for (const [kind, count] of Object.entries(live.messages())) this.inc({ kind }, count);
    },
  });
  new Gauge({
    name: 'streamrec_refitter_caught_up',
    help: '1 once the co-occurrence is rebuilt from everything the clickstream held at start (refits wait for it)',
    registers,
    collect() {
      this.set(live.caughtUp() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'streamrec_refitter_versions_published',
    help: 'Model versions saved to Redis and published to item-embeddings by this process',
    registers,
    collect() {
      this.set(live.published());
    },
  });
  new Gauge({
    name: 'streamrec_refitter_events_until_refit',
    help: 'Events the refit schedule still waits for before the next refit',
    registers,
    collect() {
      this.set(Math.max(0, live.nextRefitAt() - live.eventsSeen()));
    },
  });
  return {
    refits: new Counter({ name: 'streamrec_refits_total', help: 'Refits by outcome (served, held_back by the release check, dropped, empty, failed)', labelNames: ['outcome'], registers }),
    refitSeconds: new Histogram({ name: 'streamrec_refit_duration_seconds', help: 'Time from a refit due to its result', buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], registers }),
    releaseHitRate: new Gauge({ name: 'streamrec_refit_release_hit_rate', help: "Release check's sampled hit rate@10 on the last 1,000 transitions, of the last judged refit (model=candidate) and of the version it would replace (model=served)", labelNames: ['model'], registers }),
    lastServedSeconds: new Gauge({ name: 'streamrec_refit_last_served_timestamp_seconds', help: 'When the last served refit was made', registers }),
  };
}

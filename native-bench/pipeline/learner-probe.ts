export interface LearnerCounters {
  /** Events finished with: applied + skipped as already applied + dead-lettered. */
  processed: number;
  listsPublished: number;
  /** Partition batches handled (one per partition per fetch). */
  batches: number;
}

/**
 * The learner's own Prometheus counters (/metrics). Processed events are applied plus
 * skipped (a batch retried after a Redis timeout finds some events already applied by the
 * first try; the position guard skips them, which is still progress) plus dead-lettered.
 */
export async function learnerCounters(metricsUrl: string): Promise<LearnerCounters> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) })).text();
  const out: LearnerCounters = { processed: 0, listsPublished: 0, batches: 0 };
  for (const line of text.split('\n')) {
    const value = Number(line.split(' ').at(-1));
    if (/^streamrec_(events_applied_total|events_skipped_total|dead_letters_total)\b/.test(line)) out.processed += value;
    else if (/^streamrec_lists_published_total\b/.test(line)) out.listsPublished += value;
    else if (/^streamrec_batch_duration_seconds_count\b/.test(line)) out.batches += value;
  }
  return out;
}

export async function processedEvents(metricsUrl: string): Promise<number> {
  return (await learnerCounters(metricsUrl)).processed;
}

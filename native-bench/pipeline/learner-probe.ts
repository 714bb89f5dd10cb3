/**
 * Events the learner has finished with, from its own Prometheus counters (/metrics):
 * applied plus skipped (a batch retried after a Redis timeout finds some events already
 * applied by the first try; the position guard skips them, which is still progress) plus
 * dead-lettered.
 */
export async function processedEvents(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) })).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (/^streamrec_(events_applied_total|events_skipped_total|dead_letters_total)\b/.test(line)) total += Number(line.split(' ').at(-1));
  }
  return total;
}

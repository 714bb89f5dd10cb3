/** Reads the learner's own Prometheus counters (its /metrics endpoint). */
export async function appliedEvents(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) })).text();
  const line = text.split('\n').find((l) => l.startsWith('streamrec_events_applied_total'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

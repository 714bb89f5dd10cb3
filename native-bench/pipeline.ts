import { waitUntilServed } from '../src/adapters/kafka/topics.ts';
import { createClickstreamProducer } from '../src/adapters/kafka/clickstream-producer.ts';
import { encodeEvent } from '../src/adapters/kafka/codec.ts';
import type { ClickEvent } from '../src/core/events.ts';
import { sleep } from '../src/lifecycle.ts';
import { feedEvents } from '../src/pipeline/feed.ts';
import type { BenchContext, BenchOutcome, Cell, Headline, Skipped } from './lib/types.ts';
import { createClickstream } from './lib/clickstream.ts';
import { benchEnvironment, benchLog, configEnv, dropTopics, publishItems, startWorker, waitFor, type Worker } from './lib/engine-env.ts';
import { freePort, startScratchRedis } from './lib/redis-server.ts';
import { distribution, ratio, sig } from './lib/stats.ts';
import { compareKafkaClients, kafkaClientsHeadlines, kafkaClientsTable, type KafkaClientRow } from './pipeline/kafka-clients.ts';
import { brokerCeiling, type BrokerCeiling } from './pipeline/kafka-perf.ts';
import { startListReader } from './pipeline/freshness.ts';
import { learnerCounters, processedEvents } from './pipeline/learner-probe.ts';

interface FreshnessRow {
  rate: number;
  produced: number;
  achievedPerS: number;
  lists: number;
  toTopic: ReturnType<typeof distribution>;
  toConsumer: ReturnType<typeof distribution>;
  drainedS: number;
  durationS: number;
  /** Events the learner finished per second while the rate was being produced. */
  processedPerS: number;
  /** The same over the run's second half (after the lag had time to settle). */
  secondHalfPerS: number;
  /** Produced but not yet processed, sampled every second during the run: max and at the end. */
  lagMax: number;
  lagEnd: number;
  /** Lag at the middle of the run: an end value near it means the lag stopped growing. */
  lagMid: number;
}

/**
 * One learner process (workers/learner.ts) end to end: clickstream topic → Redis →
 * recommendations topic, against Kafka's own perf-test ceiling in the same run, then
 * freshness at fixed rates with a downstream reader of the recommendations topic.
 */
export async function runPipeline(ctx: BenchContext): Promise<BenchOutcome> {
  const items = ctx.quick ? 1000 : 10_000;
  const users = ctx.quick ? 500 : 20_000;
  // BENCH_PIPELINE_BACKLOG=1000000 times a longer backlog (the default takes ~5 s to clear).
  const backlog = Number(process.env.BENCH_PIPELINE_BACKLOG) || (ctx.quick ? 5000 : 200_000);
  // BENCH_PIPELINE_RATES=1000,5000 (or "none") replaces the freshness rates, e.g. to profile the backlog alone.
  const ratesOverride = process.env.BENCH_PIPELINE_RATES?.split(',').map(Number).filter((r) => r > 0);
  const rates = ratesOverride ?? (ctx.quick ? [500] : [1000, 2000, 5000, 20_000]);
  const rateSeconds = ctx.quick ? 2 : 15;
  // The top rate runs longer: "sustained" means the lag stops growing, which 15 s cannot show.
  const secondsAt = (rate: number) => (ctx.quick || rate < 20_000 ? rateSeconds : 120);
  const { config, kafka } = await benchEnvironment(ctx.config, 'pipe');
  const redis = await startScratchRedis();
  const workers: Worker[] = [];
  const perfTopic = `${config.topics.clickstream}-perf`;
  const admin = kafka.admin();
  await admin.connect();
  const producer = await createClickstreamProducer(kafka, config, benchLog);
  try {
    ctx.progress(`pipeline: ${items} item vectors, ${backlog.toLocaleString('en-US')} events of ${users.toLocaleString('en-US')} users into ${config.topics.clickstream}`);
    await publishItems(kafka, config, items);
    const clickstream = { users, items, seed: 9, startTs: Date.now() - 600_000 };
    const stream = createClickstream(clickstream);
    const sample = stream.next();
    const recordBytes = encodeEvent(sample, 'msgpack').length;
    const backlogEvents = function* (): Generator<ClickEvent> {
      for (let i = 1; i < backlog; i++) yield stream.next();
    };
    await producer.send([sample], 'msgpack');
    await feedEvents(backlogEvents(), (chunk) => producer.send(chunk, 'msgpack'));

    const metricsPort = await freePort();
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const learner = startWorker('workers/learner.ts', configEnv({ ...config, redis: { ...config.redis, url: redis.url } }, { LEARNER_METRICS_PORT: String(metricsPort) }));
    workers.push(learner);
    ctx.progress('pipeline: learner started; timing the backlog');
    const startedAt = performance.now();
    await waitFor('learner applies its first event', 180_000, async () => (await processedEvents(metricsUrl)) > 0, learner);
    let t0 = performance.now();
    const counters0 = await learnerCounters(metricsUrl);
    let applied0 = counters0.processed;
    // A small backlog (--quick) can be applied in the very first fetch, leaving nothing to
    // time after it; then time from the worker's start instead (start-up included, stated).
    if (applied0 >= backlog) {
      t0 = startedAt;
      applied0 = 0;
      ctx.progress('pipeline: backlog applied in the first fetch; rate timed from the worker start (includes start-up)');
    }
    let applied = applied0;
    let lastProgressMs = Date.now();
    await waitFor('learner works through the whole backlog', 30 * 60_000, async () => {
      const now = await processedEvents(metricsUrl);
      if (now > applied) lastProgressMs = Date.now();
      else if (Date.now() - lastProgressMs > 60_000) throw new Error(`learner stalled at ${now} of ${backlog} events for 60 s`);
      applied = now;
      return applied >= backlog;
    }, learner);
    const learnerPerS = (applied - applied0) / ((performance.now() - t0) / 1000);
    // Lists are coalesced per user per fetch, so events per list says how much coalescing the backlog allowed.
    const counters1 = await learnerCounters(metricsUrl);
    const backlogShape = { listsPublished: counters1.listsPublished, batches: counters1.batches, eventsPerList: sig(counters1.processed / Math.max(1, counters1.listsPublished)), eventsPerBatch: sig(counters1.processed / Math.max(1, counters1.batches)) };
    ctx.progress(`pipeline: learner ${Math.round(learnerPerS)} events/s; broker ceiling next`);

    let ceiling: BrokerCeiling | undefined;
    const skipped: Skipped[] = [];
    try {
      await admin.createTopics({ topics: [{ topic: perfTopic, numPartitions: config.topics.clickstreamPartitions }], waitForLeaders: false });
      await waitUntilServed(config, [perfTopic], 15_000);
      ceiling = await brokerCeiling(config.stateDir, config.kafka.brokers.join(','), perfTopic, backlog, recordBytes);
    } catch (err) {
      skipped.push({ what: 'broker ceiling', reason: (err as Error).message });
    }
    // Before the freshness runs append to it, the clickstream topic holds exactly the backlog.
    const clients = await compareKafkaClients(admin, config, { consumeTopic: config.topics.clickstream, records: backlog, clickstream, timeoutMs: ctx.quick ? 30_000 : 300_000, progress: ctx.progress });
    skipped.push(...clients.skipped);

    const reader = await startListReader(kafka, config, `${config.learner.groupId}-reader`);
    const freshness: FreshnessRow[] = [];
    let total = applied;
    for (const rate of rates) {
      const seconds = secondsAt(rate);
      ctx.progress(`pipeline: freshness at ${rate} events/s for ${seconds} s`);
      const tag = `r${rate}-`;
      let n = 0;
      const live = function* (): Generator<ClickEvent> {
        for (; n < rate * seconds; n++) yield { ...stream.next(), eventId: `${tag}${n}`, ts: Date.now() };
      };
      const before = await processedEvents(metricsUrl);
      const runStart = performance.now();
      // Once a second: how far the learner has got, and how far behind the producer it is.
      const samples: Array<{ atMs: number; processed: number; lag: number }> = [];
      const sampler = setInterval(() => {
        const atMs = performance.now();
        const produced = total + n;
        processedEvents(metricsUrl).then((processed) => samples.push({ atMs, processed, lag: Math.max(0, produced - processed) }), () => undefined);
      }, 1000);
      const fed = await feedEvents(live(), (chunk) => producer.send(chunk, 'msgpack'), { ratePerSec: rate }).finally(() => clearInterval(sampler));
      const runS = (performance.now() - runStart) / 1000;
      const processedPerS = ((await processedEvents(metricsUrl)) - before) / runS;
      const mid = samples[Math.floor(samples.length / 2)];
      const last = samples.at(-1);
      const secondHalfPerS = mid && last && last.atMs > mid.atMs ? ((last.processed - mid.processed) * 1000) / (last.atMs - mid.atMs) : processedPerS;
      total += fed.sent;
      const drainStart = performance.now();
      await waitFor(`learner catches up after ${rate}/s`, 5 * 60_000, async () => (await processedEvents(metricsUrl)) >= total, learner);
      await sleep(500);
      const mine = reader.samples.filter((s) => s.causedBy.startsWith(tag));
      freshness.push({
        rate,
        produced: fed.sent,
        achievedPerS: Math.round(fed.ratePerSec),
        lists: mine.length,
        toTopic: distribution(mine.map((s) => s.toTopicMs)),
        toConsumer: distribution(mine.map((s) => s.toConsumerMs)),
        drainedS: sig((performance.now() - drainStart) / 1000),
        durationS: sig(runS),
        processedPerS: Math.round(processedPerS),
        secondHalfPerS: Math.round(secondHalfPerS),
        lagMax: Math.max(0, ...samples.map((x) => x.lag)),
        lagEnd: last?.lag ?? 0,
        lagMid: mid?.lag ?? 0,
      });
    }
    await reader.stop();
    return outcome(ctx, { learnerPerS, backlogShape, ceiling, clients: clients.rows, freshness, skipped, backlog, users, items, recordBytes, rateSeconds });
  } finally {
    for (const w of workers) await w.stop();
    await producer.close().catch(() => undefined);
    await admin.deleteTopics({ topics: [perfTopic], timeout: 15_000 }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await dropTopics(kafka, config);
    await redis.stop();
  }
}

function outcome(
  ctx: BenchContext,
  r: { learnerPerS: number; backlogShape: { listsPublished: number; batches: number; eventsPerList: number; eventsPerBatch: number }; ceiling: BrokerCeiling | undefined; clients: KafkaClientRow[]; freshness: FreshnessRow[]; skipped: Skipped[]; backlog: number; users: number; items: number; recordBytes: number; rateSeconds: number },
): BenchOutcome {
  const headline: Headline[] = [{ label: 'learner events/s end to end (one process, backlog)', value: sig(r.learnerPerS), unit: 'events/s' }];
  if (r.ceiling) {
    // Both sides exclude the consumer-group join: the learner is timed from its first applied event.
    headline.push({ label: 'learner ÷ Kafka ConsumerPerformance fetch rate (same topic shape, same run)', value: ratio(r.learnerPerS, r.ceiling.consumerFetchRecordsPerS), unit: `× (${sig(r.learnerPerS)} vs ${sig(r.ceiling.consumerFetchRecordsPerS)} records/s)` });
    headline.push({ label: 'learner ÷ Kafka ProducerPerformance (acks=all)', value: ratio(r.learnerPerS, r.ceiling.producerRecordsPerS), unit: '×' });
  }
  headline.push(...kafkaClientsHeadlines(r.clients));
  const top = r.freshness.at(-1);
  if (top) headline.push({ label: `learner events/s while ${top.rate.toLocaleString('en-US')} events/s arrived live for ${top.durationS} s: whole run, second half (lag mid / end / max)`, value: top.processedPerS, unit: `events/s, ${top.secondHalfPerS} events/s (lag ${top.lagMid} / ${top.lagEnd} / ${top.lagMax} events)` });
  for (const f of r.freshness) headline.push({ label: `freshness p99 at ${f.rate.toLocaleString('en-US')} events/s asked (${f.achievedPerS} achieved), event ts → list on topic`, value: f.toTopic.p99, unit: `ms (p50 ${f.toTopic.p50})` });
  const ceilingRows: Cell[][] = [[`learner (workers/learner.ts), events in → lists out (${r.backlogShape.eventsPerList} events per list, ${r.backlogShape.eventsPerBatch} per partition batch)`, sig(r.learnerPerS), null]];
  if (r.ceiling) {
    ceilingRows.push(['Kafka ProducerPerformance (acks=all)', sig(r.ceiling.producerRecordsPerS), r.ceiling.producerP99Ms]);
    ceilingRows.push(['Kafka ConsumerPerformance (incl. group join)', sig(r.ceiling.consumerRecordsPerS), null]);
    ceilingRows.push(['Kafka ConsumerPerformance (fetch time only)', sig(r.ceiling.consumerFetchRecordsPerS), null]);
  }
  return {
    headline,
    tables: [
      { title: `Throughput: ${r.backlog.toLocaleString('en-US')} events (${r.recordBytes}-byte msgpack), ${r.users.toLocaleString('en-US')} users, ${r.items.toLocaleString('en-US')} items`, columns: ['what', 'records/s', 'p99 ms'], rows: ceilingRows },
      ...(r.clients.length > 0 ? [kafkaClientsTable(r.backlog, r.recordBytes, r.clients)] : []),
      {
        title: 'Freshness at fixed rates: event ts → list; the learner\'s rate and lag while the rate ran',
        columns: ['asked events/s', 'run s', 'achieved events/s', 'learner events/s (second half)', 'lag mid / end / max (events)', 'lists', 'to topic p50 ms', 'p99 ms', 'max ms', 'to reader p50 ms', 'p99 ms', 'max ms', 'drain s after last event'],
        rows: r.freshness.map((f) => [f.rate, f.durationS, f.achievedPerS, `${f.processedPerS} (${f.secondHalfPerS})`, `${f.lagMid} / ${f.lagEnd} / ${f.lagMax}`, f.lists, f.toTopic.p50, f.toTopic.p99, f.toTopic.max, f.toConsumer.p50, f.toConsumer.p99, f.toConsumer.max, f.drainedS]),
      },
    ],
    notes: [
      `One learner process (workers/learner.ts, exactly what \`streamrec learn\` runs) with its own redis-server; Kafka is the shared local broker (${ctx.config.kafka.brokers.join(',')}), clickstream ${ctx.config.topics.clickstreamPartitions} partitions.`,
      'Throughput: the backlog is produced first, then the learner is started; events/s is the rise of its own counters (applied + skipped-as-already-applied + dead-lettered) from the first event to the last (group join and index catch-up excluded).',
      'Ceiling: ProducerPerformance then ConsumerPerformance (org.apache.kafka.tools, the jars the stack runs) on a topic of the same partition count, same record count and size, right after the learner run.',
      'kafkajs vs @platformatic/kafka: right after the ceiling (the learner idle, caught up), each client in a fresh Node process in turn (kafkajs first), so neither inherits the other\'s heap, JIT state or sockets. Consume: a fresh consumer group reads the learner\'s clickstream topic from the earliest offset with the learner\'s fetch sizes and 50 ms max wait, commits off, and runs the engine\'s decodeEvent on every value (kafkajs eachBatch with the learner\'s partitions-concurrently; @platformatic/kafka\'s stream consumer, \'data\' events, default highWaterMark); records/s from the first record to the last, and from connect (group join included). Produce: the same records (same generator and seed, byte-equal) into an empty topic of the same partition count, acks=all and idempotent, in 2,000-record sends awaited one at a time, after one warm-up record; kafkajs through the engine\'s connectProducer + sendChunked (one request in flight), @platformatic/kafka with the Java-compatible murmur2 partitioner; the broker\'s high watermarks are checked afterwards.',
      'Freshness: events are produced by the bench (kafkajs, token bucket) with ts = creation time; "to topic" is the list record\'s timestamp (set by the learner\'s producer) minus the event ts, "to reader" is when a downstream consumer saw it. A rate the bench cannot produce shows as a lower achieved rate.',
    ],
    skipped: r.skipped,
    data: { learnerPerS: r.learnerPerS, backlogShape: r.backlogShape, ceiling: r.ceiling, kafkaClients: r.clients, freshness: r.freshness },
  };
}

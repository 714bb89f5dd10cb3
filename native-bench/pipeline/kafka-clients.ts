import { waitUntilServed } from '../../src/adapters/kafka/topics.ts';
import type { Admin } from 'kafkajs';
import type { Config } from '../../src/config.ts';
import { runChild } from '../lib/child.ts';
import { packageVersion } from '../lib/engine.ts';
import type { Cell, Headline, ResultTable, Skipped } from '../lib/types.ts';
import { ratio, sig } from '../lib/stats.ts';
import type { KafkaClientChildInput, KafkaClientChildOutput, KafkaClientName } from './kafka-client-child.ts';

const CHILD = 'native-bench/pipeline/kafka-client-child.ts';
const CLIENTS: ReadonlyArray<{ client: KafkaClientName; label: string; pkg: string }> = [
  { client: 'kafkajs', label: 'kafkajs', pkg: 'kafkajs' },
  { client: 'platformatic', label: '@platformatic/kafka', pkg: '@platformatic/kafka' },
];

export interface KafkaClientRow {
  client: string;
  version: string;
  records: number;
  decoded: number;
  rejected: number;
  /** From the first record to the last. */
  consumePerS: number;
  /** From connect to the last record (connection, group join and first fetch included). */
  consumeInclJoinPerS: number;
  joinMs: number;
  /** acks=all, idempotent, from the first send to the last acknowledgement. */
  producePerS: number;
  /** Records the broker holds in the produce topic afterwards (high watermarks), warm-up record excluded. */
  producedOnBroker: number;
}

export interface KafkaClientsComparison {
  rows: KafkaClientRow[];
  skipped: Skipped[];
}

/**
 * kafkajs (the engine's client) against @platformatic/kafka on the same topic, each in a
 * fresh process in turn: consume the learner's backlog with a fresh group and decode every
 * value with the engine's decodeEvent, then produce the same records acks=all, idempotent.
 * A client that fails becomes a skipped entry; the bench goes on.
 */
export async function compareKafkaClients(
  admin: Admin,
  config: Config,
  o: { consumeTopic: string; records: number; clickstream: KafkaClientChildInput['clickstream']; timeoutMs: number; progress(m: string): void },
): Promise<KafkaClientsComparison> {
  const rows: KafkaClientRow[] = [];
  const skipped: Skipped[] = [];
  for (const { client, label, pkg } of CLIENTS) {
    const produceTopic = `${o.consumeTopic}-produce-${client}`;
    o.progress(`pipeline: ${label}: consume ${o.records.toLocaleString('en-US')} records, then produce them (own process)`);
    try {
      await admin.createTopics({ topics: [{ topic: produceTopic, numPartitions: config.topics.clickstreamPartitions }], waitForLeaders: false });
      await waitUntilServed(config, [produceTopic], 15_000);
      const input: KafkaClientChildInput = {
        client,
        config,
        consumeTopic: o.consumeTopic,
        groupId: `${config.learner.groupId}-cmp-${client}`,
        produceTopic,
        records: o.records,
        clickstream: o.clickstream,
        chunk: 2000,
        timeoutMs: o.timeoutMs,
      };
      // The child bounds each phase by timeoutMs; this bounds the process as a whole.
      const out = await runChild<KafkaClientChildOutput>(CHILD, input, 3 * o.timeoutMs + 30_000, o.progress);
      const offsets = await admin.fetchTopicOffsets(produceTopic);
      const onBroker = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0) - 1;
      const c = out.consume;
      rows.push({
        client: label,
        version: packageVersion(pkg) ?? '?',
        records: c.records,
        decoded: c.decoded,
        rejected: c.rejected,
        consumePerS: sig(c.records / (c.fetchMs / 1000)),
        consumeInclJoinPerS: sig(c.records / ((c.joinMs + c.fetchMs) / 1000)),
        joinMs: Math.round(c.joinMs),
        producePerS: sig(out.produce.records / (out.produce.sendMs / 1000)),
        producedOnBroker: onBroker,
      });
    } catch (err) {
      skipped.push({ what: `${label} consume/produce`, reason: (err as Error).message });
    } finally {
      await admin.deleteTopics({ topics: [produceTopic], timeout: 15_000 }).catch(() => undefined);
    }
  }
  return { rows, skipped };
}

export function kafkaClientsTable(records: number, recordBytes: number, rows: readonly KafkaClientRow[]): ResultTable {
  const cells: Cell[][] = rows.map((r) => [`${r.client} ${r.version}`, r.consumePerS, r.consumeInclJoinPerS, r.joinMs, `${r.decoded} / ${r.records}`, r.producePerS, r.producedOnBroker]);
  return {
    title: `kafkajs vs @platformatic/kafka on the learner's backlog topic: ${records.toLocaleString('en-US')} records (${recordBytes}-byte msgpack)`,
    columns: ['client', 'consume + decodeEvent records/s', 'incl. connect + group join', 'connect + join + first fetch ms', 'decoded', 'produce records/s (acks=all, idempotent)', 'records on broker after produce'],
    rows: cells,
  };
}

/** platformatic ÷ kafkajs, consume and produce, when both were measured. */
export function kafkaClientsHeadlines(rows: readonly KafkaClientRow[]): Headline[] {
  const kj = rows.find((r) => r.client === 'kafkajs');
  const pf = rows.find((r) => r.client === '@platformatic/kafka');
  if (!kj || !pf) return [];
  return [
    { label: '@platformatic/kafka ÷ kafkajs, consume + decodeEvent (stream vs eachBatch, fresh group, first → last record)', value: ratio(pf.consumePerS, kj.consumePerS), unit: `× (${pf.consumePerS} vs ${kj.consumePerS} records/s)` },
    { label: '@platformatic/kafka ÷ kafkajs, produce acks=all idempotent (2,000-record sends, one at a time)', value: ratio(pf.producePerS, kj.producePerS), unit: `× (${pf.producePerS} vs ${kj.producePerS} records/s)` },
  ];
}

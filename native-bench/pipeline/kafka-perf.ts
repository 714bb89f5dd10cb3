import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { kafkaLibsDir } from '../lib/machine.ts';

const run = promisify(execFile);

export interface BrokerCeiling {
  producerRecordsPerS: number;
  producerP99Ms: number;
  consumerRecordsPerS: number;
  /** ConsumerPerformance's rate over fetch time only (group join excluded). */
  consumerFetchRecordsPerS: number;
}

/**
 * Kafka's own perf-test classes (kafka-producer-perf-test / kafka-consumer-perf-test),
 * from the very jars `streamrec stack up` runs the broker from (kafka-tools is in its pom).
 */
export async function brokerCeiling(stateDir: string, brokers: string, topic: string, records: number, recordBytes: number): Promise<BrokerCeiling> {
  const libs = kafkaLibsDir(stateDir);
  if (!libs) throw new Error(`no Kafka jars with kafka-tools under ${stateDir}: run \`streamrec stack up\``);
  const cp = `${libs}/*`;
  const producer = await run(
    'java',
    ['-cp', cp, 'org.apache.kafka.tools.ProducerPerformance', '--topic', topic, '--num-records', String(records), '--record-size', String(recordBytes),
      '--throughput', '-1', '--producer-props', `bootstrap.servers=${brokers}`, 'acks=all'],
    { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const last = producer.stdout.trim().split('\n').at(-1) ?? '';
  const producerRecordsPerS = Number(/([\d.]+) records\/sec/.exec(last)?.[1]);
  const producerP99Ms = Number(/([\d.]+) ms 99th/.exec(last)?.[1]);
  const consumer = await run(
    'java',
    ['-cp', cp, 'org.apache.kafka.tools.ConsumerPerformance', '--bootstrap-server', brokers, '--topic', topic, '--messages', String(records), '--timeout', '60000'],
    { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const lines = consumer.stdout.trim().split('\n');
  const header = lines.findIndex((l) => l.startsWith('start.time'));
  const cols = (lines[header] ?? '').split(',').map((c) => c.trim());
  const vals = (lines[header + 1] ?? '').split(',').map((c) => c.trim());
  const field = (name: string) => Number(vals[cols.indexOf(name)]);
  if (!Number.isFinite(producerRecordsPerS) || header < 0) throw new Error(`could not read the perf-test output: ${last} / ${lines.at(-1)}`);
  return { producerRecordsPerS, producerP99Ms, consumerRecordsPerS: field('nMsg.sec'), consumerFetchRecordsPerS: field('fetch.nMsg.sec') };
}

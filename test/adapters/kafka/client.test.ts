import { Writable } from 'node:stream';
import { pino, type LevelWithSilent } from 'pino';
import { describe, expect, it } from 'vitest';
import { createKafka } from '../../../src/adapters/kafka/client.ts';
import { loadConfig } from '../../../src/config.ts';

/** kafkajs's root logger over a pino logger at `level` whose lines are kept. */
function kafkaLogs(level: LevelWithSilent) {
  const lines: Array<{ level: number; msg: string; component?: string; namespace?: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      done();
    },
  });
  const kafka = createKafka(loadConfig({}), pino({ level }, sink));
  return { logger: kafka.logger(), lines };
}

describe('createKafka logs', () => {
  it('bridges kafkajs into pino at the logger\'s level: info passes at info, request chatter only at trace', async () => {
    const info = kafkaLogs('info');
    info.logger.namespace('Consumer').info('joined the group');
    info.logger.debug('request sent');
    info.logger.error('broker gone');
    const trace = kafkaLogs('trace');
    trace.logger.debug('request sent');
    await new Promise((r) => setImmediate(r));
    expect(info.lines.map((l) => [l.level, l.msg, l.component, l.namespace])).toEqual([
      [30, 'joined the group', 'kafkajs', 'Consumer'],
      [50, 'broker gone', 'kafkajs', undefined],
    ]);
    expect(trace.lines.map((l) => [l.level, l.msg])).toEqual([[10, 'request sent']]);
  });

  it('keeps warnings at warn and up, and the producer\'s bounded-retries notice at debug', async () => {
    const warn = kafkaLogs('warn');
    warn.logger.info('starting');
    warn.logger.namespace('Producer').warn('Limiting retries for the idempotent producer may invalidate EoS guarantees');
    warn.logger.namespace('Connection').warn('connection lost');
    const silent = kafkaLogs('silent');
    silent.logger.error('broker gone');
    await new Promise((r) => setImmediate(r));
    expect(warn.lines.map((l) => l.msg)).toEqual(['connection lost']);
    expect(silent.lines).toEqual([]);
  });
});

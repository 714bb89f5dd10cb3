import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../src/adapters/kafka/client.ts';
import type { FeedCheckpoint } from '../../src/cli/feed-checkpoint.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { sleep } from '../../src/lifecycle.ts';
import { privateBroker } from '../helpers/private-broker.ts';
import { learnerEnv, readTopic, spawnTsx, waitUntil, type LearnerChild } from '../pipeline/support.ts';

const broker = await privateBroker('feed-outage', { CLICKSTREAM_PARTITIONS: '2' });
const { config, log } = broker;
const dir = mkdtempSync(join(tmpdir(), 'streamrec-feed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeJsonl(name: string, count: number): { path: string; ids: string[] } {
  const base = Date.now() - 3_600_000;
  const events: ClickEvent[] = Array.from({ length: count }, (_, n) => ({
    eventId: `${name}-${n}`,
    userId: `user-${n % 97}`,
    itemId: `item-${(n * 13) % 500}`,
    type: 'view',
    ts: base + n,
  }));
  const path = join(dir, `${name}.jsonl`);
  writeFileSync(path, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return { path, ids: events.map((e) => e.eventId) };
}

function feed(args: string[]): LearnerChild {
  return spawnTsx(['src/cli/main.ts', 'feed', ...args, '--format', 'jsonl'], learnerEnv(config, { LOG_LEVEL: 'warn' }));
}

async function exitCode(child: LearnerChild, timeoutMs: number): Promise<number | string> {
  const code = await Promise.race([child.exited, sleep(timeoutMs).then(() => `still running after ${timeoutMs} ms`)]);
  if (typeof code === 'string') child.child.kill('SIGKILL');
  return code;
}

/** How many times each of `ids` is in the clickstream topic, once all of them are there. */
async function countsInTopic(ids: readonly string[]): Promise<Map<string, number>> {
  const kafka = createKafka(config, log);
  const wanted = new Set(ids);
  const counts = new Map<string, number>();
  await readTopic(kafka, config.topics.clickstream, (all) => {
    counts.clear();
    for (const { message } of all) {
      const id = (JSON.parse(message.value!.toString('utf8')) as ClickEvent).eventId;
      if (wanted.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts.size === wanted.size;
  }, 60_000);
  return counts;
}

const readCheckpoint = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as FeedCheckpoint;

describe('streamrec feed against a broker that dies', () => {
  it('rides out the broker killed and restarted mid-feed: every event lands, exit 0, said once on stderr', async () => {
    await broker.up();
    const { path, ids } = writeJsonl('outage', 12_000);
    const checkpoint = join(dir, 'outage.checkpoint');
    // 1,500 events/s: 8 s of feeding, chunks of 75.
    const child = feed([path, '--rate', '1500', '--checkpoint', checkpoint]);
    await waitUntil('some events acknowledged', async () => {
      try {
        return readCheckpoint(checkpoint).eventsAcked > 1500;
      } catch {
        return false;
      }
    }, 60_000, 50);
    await broker.kill();
    // Down until kafkajs's own retries (~10 s) gave up and feed's retry loop does the waiting:
    // its notice says so. The restart below then takes several of feed's retries.
    await child.waitFor(/Kafka unavailable/, 60_000);
    await broker.up();
    const code = await exitCode(child, 120_000);
    expect(code, child.output.slice(-20).join('\n')).toBe(0);
    const notices = child.output.filter((l) => l.includes('Kafka unavailable'));
    expect(notices.length).toBe(1);
    expect(notices[0]).toMatch(/retrying in \d+\.\d s, backoff up to 5 s, for at most 300 s/);
    expect(child.output.some((l) => /Kafka is back after/.test(l))).toBe(true);
    const cp = readCheckpoint(checkpoint);
    expect(cp).toMatchObject({ eventsAcked: ids.length, complete: true });

    const counts = await countsInTopic(ids);
    expect(counts.size).toBe(ids.length);
    // Only the chunk in flight at the kill (unacknowledged) may be stored twice.
    const twice = [...counts.values()].filter((c) => c > 1).length;
    expect(twice).toBeLessThanOrEqual(75);
  }, 300_000);

  it('a stopped feed resumes from its checkpoint and produces only the remainder', async () => {
    await broker.up();
    const { path, ids } = writeJsonl('resume', 6000);
    const checkpoint = join(dir, 'resume.checkpoint');
    const first = feed([path, '--rate', '1000', '--checkpoint', checkpoint]);
    await waitUntil('some events acknowledged', async () => {
      try {
        return readCheckpoint(checkpoint).eventsAcked >= 1000;
      } catch {
        return false;
      }
    }, 60_000, 50);
    first.child.kill('SIGINT');
    expect(await exitCode(first, 60_000)).toBe(0);
    const stoppedAt = readCheckpoint(checkpoint).eventsAcked;
    expect(stoppedAt).toBeLessThan(ids.length);

    const second = feed([path, '--checkpoint', checkpoint]);
    expect(await exitCode(second, 120_000), second.output.slice(-10).join('\n')).toBe(0);
    expect(second.output.some((l) => l.includes(`produced ${ids.length - stoppedAt} events`))).toBe(true);
    const counts = await countsInTopic(ids);
    expect(counts.size).toBe(ids.length);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);

    const third = feed([path, '--checkpoint', checkpoint]);
    expect(await exitCode(third, 60_000)).toBe(0);
    expect(third.output.some((l) => l.startsWith('nothing to do'))).toBe(true);
  }, 300_000);
});

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClickEvent } from '../../src/core/events.ts';
import { isStreamrecError } from '../../src/errors.ts';
import { checkDatasetArgs, formatReadReport, openDataset, readDataset, sessionsByGap } from '../../src/datasets/read-dataset.ts';

const dir = mkdtempSync(join(tmpdir(), 'streamrec-datasets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fixture(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const pick = (e: ClickEvent) => [e.userId, e.itemId, e.type, e.ts];

describe('movielens', () => {
  it('reads u.data: tab-separated, unsorted, duplicates, bad rows, CRLF and BOM', async () => {
    const path = fixture(
      'u.data',
      '\uFEFF196\t242\t3\t881250949\r\n' +
        '186\t302\t5\t881250940\r\n' + // earlier than line 1: unsorted
        '186\t302\t5\t881250940\r\n' + // exact duplicate
        '22\t377\n' + // too few fields
        '22\t377\tx\t881250999\n' + // bad rating
        '\n' +
        '7\t9\t1\t881250949\n', // same time as line 1: stable order keeps it after
    );
    const progress: number[] = [];
    const { events, report } = await readDataset(path, 'movielens', { onProgress: (p) => progress.push(p.bytesRead) });
    expect(events.map(pick)).toEqual([
      ['186', '302', 'purchase', 881250940000],
      ['196', '242', 'click', 881250949000],
      ['7', '9', 'view', 881250949000],
    ]);
    expect(events[1]!.eventId).toBe('u.data-1');
    expect(events[1]!.value).toBe(3);
    expect(report).toMatchObject({ lines: 7, events: 3, bad: 2, duplicates: 1, skipped: 1, outOfOrder: 1, sorted: true });
    expect(report.badExamples.map((b) => b.lineNo)).toEqual([4, 5]);
    expect(report.badExamples[0]!.reason).toMatch(/expected 4 fields/);
    expect(progress.at(-1)).toBe(report.bytes);
    expect(formatReadReport(report)).toMatch(/2 bad, 1 duplicates dropped.*line 4/s);
  });

  it('reads ratings.dat (::) and ratings.csv with a header', async () => {
    const dat = await readDataset(fixture('ratings.dat', '1::1193::5::978300760\n1::661::3::978302109\n'), 'movielens');
    expect(dat.events.map(pick)).toEqual([
      ['1', '1193', 'purchase', 978300760000],
      ['1', '661', 'click', 978302109000],
    ]);
    const csv = await readDataset(fixture('ratings.csv', 'userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n'), 'movielens');
    expect(csv.events.map(pick)).toEqual([['1', '31', 'view', 1260759144000]]);
    expect(csv.report.skipped).toBe(1);
  });
});

describe('yoochoose', () => {
  it('sessions become users, ISO times, buys rows are purchases, bad rows counted', async () => {
    const path = fixture(
      'yoochoose-clicks.dat',
      '1,2014-04-07T10:51:09.277Z,214536502,0\n' +
        '1,2014-04-07T10:54:09.868Z,214536500,S\n' +
        'abc-2,2014-04-06T11:00:00.000Z,214536502,0\n' + // string session id, earlier
        '3,yesterday,214536502,0\n' +
        '1,2014-04-07T11:00:00.000Z,214536500,1200,2\n',
    );
    const { events, report } = await readDataset(path, 'yoochoose');
    expect(events.map(pick)).toEqual([
      ['abc-2', '214536502', 'click', Date.parse('2014-04-06T11:00:00.000Z')],
      ['1', '214536502', 'click', Date.parse('2014-04-07T10:51:09.277Z')],
      ['1', '214536500', 'click', Date.parse('2014-04-07T10:54:09.868Z')],
      ['1', '214536500', 'purchase', Date.parse('2014-04-07T11:00:00.000Z')],
    ]);
    expect(events[0]!.sessionId).toBe('abc-2');
    expect(events[3]!.value).toBe(1200);
    expect(report).toMatchObject({ bad: 1, sorted: true });
    expect(report.badExamples[0]).toMatchObject({ lineNo: 4, reason: expect.stringMatching(/ISO-8601/) });
  });
});

describe('taobao', () => {
  it('maps pv/fav/cart/buy, rejects unknown behaviours and seconds that are not numbers', async () => {
    const path = fixture(
      'UserBehavior.csv',
      '1,2268318,2520377,pv,1511544070\n1,2333346,2520771,fav,1511561733\n' +
        '2,2576651,149192,cart,1511572885\n2,3830808,4181361,buy,1511593493\n' +
        '3,1,1,like,1511593493\n3,1,1,pv,soon\n3,1,1,pv\n',
    );
    const { events, report } = await readDataset(path, 'taobao');
    expect(events.map((e) => e.type)).toEqual(['view', 'click', 'add_to_cart', 'purchase']);
    expect(events[0]!.ts).toBe(1511544070000);
    expect(report.bad).toBe(3);
    expect(report.badReasons.map((r) => r.reason)).toHaveLength(3);
    expect(report.sorted).toBe(false);
  });
});

describe('retailrocket', () => {
  it('skips the header, reads ms timestamps, maps events', async () => {
    const path = fixture(
      'events.csv',
      'timestamp,visitorid,event,itemid,transactionid\r\n' +
        '1433221332117,257597,view,355908,\r\n' +
        '1433224214164,992329,addtocart,248676,\r\n' +
        '1433221999827,111016,transaction,318965,4000\r\n' +
        '1433221999827,111016,click,318965,\r\n',
    );
    const { events, report } = await readDataset(path, 'retailrocket');
    expect(events.map(pick)).toEqual([
      ['257597', '355908', 'view', 1433221332117],
      ['111016', '318965', 'purchase', 1433221999827],
      ['992329', '248676', 'add_to_cart', 1433224214164],
    ]);
    expect(report).toMatchObject({ skipped: 1, bad: 1, outOfOrder: 1 });
  });

  it('splits visitors into sessions at idle gaps (--session-gap), after sorting by time', async () => {
    const min = 60_000;
    const t0 = 1433221332117;
    const rows = [
      [t0 + 45 * min, 'a', 'i3'], // 40 min after a's previous event: a new session
      [t0, 'a', 'i1'],
      [t0 + 5 * min, 'a', 'i2'], // 5 min: same session
      [t0 + 1 * min, 'b', 'i1'],
      [t0 + 31 * min, 'b', 'i2'], // exactly 30 min: same session (a gap must be longer)
    ];
    const path = fixture('gaps.csv', 'timestamp,visitorid,event,itemid,transactionid\n' + rows.map(([ts, v, i]) => `${ts},${v},view,${i},\n`).join(''));
    const bySession = (await readDataset(path, 'retailrocket', { sessionGapMs: 30 * min })).events;
    expect(bySession.map((e) => [e.userId, e.sessionId, e.itemId])).toEqual([
      ['a', 'a~1', 'i1'],
      ['b', 'b~1', 'i1'],
      ['a', 'a~1', 'i2'],
      ['b', 'b~1', 'i2'],
      ['a', 'a~2', 'i3'],
    ]);
    const asUsers = (await readDataset(path, 'retailrocket', { sessionGapMs: 30 * min, sessionAsUser: true })).events;
    expect(asUsers.map((e) => e.userId)).toEqual(['a~1', 'b~1', 'a~1', 'b~1', 'a~2']);
    // Without the option nothing changes.
    expect((await readDataset(path, 'retailrocket', { sessionAsUser: true })).events.map((e) => e.userId)).toEqual(['a', 'b', 'a', 'b', 'a']);
    // Events that came with a session keep it; only the others are split.
    const mixed: ClickEvent[] = [
      { eventId: '1', userId: 'u', itemId: 'x', type: 'view', ts: 0, sessionId: 's9' },
      { eventId: '2', userId: 'u', itemId: 'y', type: 'view', ts: 60 * min },
    ];
    sessionsByGap(mixed, 30 * min, true);
    expect(mixed.map((e) => [e.userId, e.sessionId])).toEqual([['u', 's9'], ['u~1', 'u~1']]);
  });
});

describe('diginetica', () => {
  it('; separated views, date + timeframe ms, anonymous sessions become s:<session> users', async () => {
    const path = fixture(
      'train-item-views.csv',
      'session_id;user_id;item_id;timeframe;eventdate\n' +
        '1;NA;900;526309;2016-05-09\n' +
        '1;NA;901;75848;2016-05-09\n' + // earlier in its session than the row above
        '2;57;902;1000;2016-05-10\n' +
        '3;;903;20;2016-05-09\n' +
        '4;NA;904;x;2016-05-09\n' +
        '4;NA;904;5;09/05/2016\n' +
        '4;NA;904\n',
    );
    const { events, report } = await readDataset(path, 'diginetica');
    const day = Date.parse('2016-05-09T00:00:00Z');
    expect(events.map(pick)).toEqual([
      ['s:3', '903', 'view', day + 20],
      ['s:1', '901', 'view', day + 75848],
      ['s:1', '900', 'view', day + 526309],
      ['57', '902', 'view', day + 86_400_000 + 1000],
    ]);
    expect(events.map((e) => e.sessionId)).toEqual(['3', '1', '1', '2']);
    expect(report).toMatchObject({ skipped: 1, bad: 3, sorted: true });
    expect(report.badReasons.map((r) => r.reason).join('|')).toMatch(/timeframe.*\|.*eventdate.*\|.*expected 5 fields/);
  });
});

describe('jsonl', () => {
  it('validates with the event schema and drops redelivered event ids', async () => {
    const ok = { eventId: 'e1', userId: 'u:1', itemId: 'i/1', type: 'click', ts: 1_700_000_000_000, sessionId: 's1' };
    const path = fixture(
      'events.jsonl',
      [
        JSON.stringify(ok),
        JSON.stringify(ok),
        '{not json',
        JSON.stringify({ ...ok, eventId: 'e2', ts: 1_700_000_000 }), // seconds, not ms
        JSON.stringify({ ...ok, eventId: 'e3', type: 'like' }),
        JSON.stringify({ ...ok, eventId: 'e4', ts: 1_600_000_000_000 }),
      ].join('\n'),
    );
    const { events, report } = await readDataset(path, 'jsonl');
    expect(events.map((e) => e.eventId)).toEqual(['e4', 'e1']);
    expect(events[1]).toEqual(ok);
    expect(report).toMatchObject({ events: 2, duplicates: 1, bad: 3, sorted: true });
    expect(report.badExamples.map((b) => b.lineNo)).toEqual([3, 4, 5]);
  });
});

describe('session as user', () => {
  it('any format: a row with a session gets the session as its user, a row without keeps its user', async () => {
    const dig = fixture('views.csv', 'session_id;user_id;item_id;timeframe;eventdate\n7;57;900;10;2016-05-09\n8;NA;901;20;2016-05-09\n');
    expect((await readDataset(dig, 'diginetica', { sessionAsUser: true })).events.map((e) => [e.userId, e.sessionId])).toEqual([
      ['7', '7'],
      ['8', '8'],
    ]);
    const base = { userId: 'u1', itemId: 'i1', type: 'view', ts: 1_700_000_000_000 };
    const jsonl = fixture('sessions.jsonl', `${JSON.stringify({ ...base, eventId: 'a', sessionId: 's9' })}\n${JSON.stringify({ ...base, eventId: 'b' })}\n`);
    const stream = openDataset(jsonl, 'jsonl', { sessionAsUser: true });
    const users: string[] = [];
    for await (const e of stream.events) users.push(e.userId);
    expect(users).toEqual(['s9', 'u1']);
    expect((await readDataset(jsonl, 'jsonl')).events.map((e) => e.userId)).toEqual(['u1', 'u1']);
  });
});

describe('streaming and arguments', () => {
  it('openDataset streams in file order and reports out-of-order rows without sorting', async () => {
    const path = fixture('stream.data', '1\t1\t5\t900000002\n1\t2\t5\t900000001\n1\t2\t5\t900000001\n');
    const stream = openDataset(path, 'movielens');
    const seen: string[] = [];
    for await (const e of stream.events) seen.push(e.itemId);
    expect(seen).toEqual(['1', '2']);
    expect(stream.report()).toMatchObject({ events: 2, duplicates: 1, outOfOrder: 1, sorted: false });
  });

  it('bad arguments give one clear error naming the fix', () => {
    const file = fixture('x.data', '');
    const sub = join(dir, 'ml-100k');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'u.data'), '');
    const message = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        expect(isStreamrecError(err) && err.code).toBe('BAD_ARGUMENT');
        return `${(err as Error).message} | ${isStreamrecError(err) ? err.hint : ''}`;
      }
      throw new Error('expected an error');
    };
    expect(message(() => checkDatasetArgs(file, 'csv'))).toMatch(/unknown format "csv".*movielens, yoochoose/);
    expect(message(() => checkDatasetArgs(join(dir, 'nope.data'), 'movielens'))).toMatch(/file not found/);
    expect(message(() => checkDatasetArgs(sub, 'movielens'))).toMatch(/is a directory.*ml-100k\/u\.data/);
  });

  it('an empty file is zero events, not an error', async () => {
    const { events, report } = await readDataset(fixture('empty.jsonl', ''), 'jsonl');
    expect(events).toEqual([]);
    expect(report).toMatchObject({ lines: 0, events: 0, firstTs: undefined });
  });
});

describe('fromLine', () => {
  it('starts at that line; event ids still name the line they came from', async () => {
    const path = fixture('from-line.data', '1\t10\t3\t881250900\n2\t20\t3\t881250901\n3\t30\t3\t881250902\n4\t40\t3\t881250903\n');
    const { events } = await readDataset(path, 'movielens', { fromLine: 3 });
    expect(events.map((e) => e.eventId)).toEqual(['from-line.data-3', 'from-line.data-4']);
    const streamed: string[] = [];
    for await (const e of openDataset(path, 'movielens', { fromLine: 4 }).events) streamed.push(e.eventId);
    expect(streamed).toEqual(['from-line.data-4']);
  });
});

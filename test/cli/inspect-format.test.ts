import { describe, expect, it } from 'vitest';
import { formatItem, formatUser } from '../../src/cli/inspect-format.ts';

describe('formatUser', () => {
  it('keeps the history columns aligned whether a timestamp has milliseconds or not', () => {
    const nowMs = Date.UTC(2026, 10, 30, 12, 0, 0);
    const text = formatUser(
      {
        userId: 'u1',
        embedding: [0.6, 0.8],
        norm: 1,
        eventCount: 2,
        history: [
          { itemId: 'i-whole', type: 'click', ts: nowMs - 60_000 },
          { itemId: 'i-ms', type: 'view', ts: nowMs - 120_000 + 123 },
        ],
        lastEventTs: nowMs - 60_000,
        updatedAtMs: nowMs - 60_000,
        nearestItems: [],
        storedRanking: null,
        modelVersion: 'v1',
      },
      { items: [], modelVersion: 'v1', cold: false, fallback: false, degraded: false },
      nowMs,
    );
    const lines = text.split('\n').filter((l) => / i-(whole|ms)$/.test(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('2026-11-30T11:59:00Z ');
    expect(lines[1]).toContain('2026-11-30T11:58:00.123Z');
    expect(lines[0]!.indexOf('click')).toBe(lines[1]!.indexOf('view'));
    expect(lines[0]!.indexOf('i-whole')).toBe(lines[1]!.indexOf('i-ms'));
  });

  it('shows the stored ranking, whether recommend serves it, and entries it cannot name', () => {
    const base = { userId: 'u1', embedding: [1, 0], norm: 1, eventCount: 1, history: [], lastEventTs: null, updatedAtMs: null, nearestItems: [], modelVersion: 'v1' };
    const recs = { items: [], modelVersion: 'v1', cold: false, fallback: false, degraded: false };
    const served = formatUser({ ...base, storedRanking: { items: [{ itemId: 'i7', score: 0.91 }, { itemId: null, score: 0.5 }], served: true } }, recs);
    expect(served).toContain('stored ranking (learner, 2 entries; served by recommend)');
    expect(served).toMatch(/1\. i7 .*0\.9100/);
    expect(served).toContain('(hash not indexed, or shared)');
    expect(formatUser({ ...base, storedRanking: { items: [], served: false } }, recs)).toContain('not served: another model version or too old');
    expect(formatUser({ ...base, storedRanking: null }, recs)).toContain('stored ranking: none (recommend searches the index)');
  });
});

describe('formatItem', () => {
  it('shows a promotion, running or lapsed, and nothing for an item without one', () => {
    const nowMs = Date.UTC(2026, 11, 6, 12, 0, 0);
    const item = (metadata: Parameters<typeof formatItem>[0]['metadata']) =>
      formatItem({ itemId: 'sku-1', inIndex: true, modelVersion: 'v1', embedding: null, norm: null, metadata, neighbours: [] }, nowMs);
    const base = { available: true, updatedAtMs: nowMs - 60_000 };
    expect(item({ ...base, boost: 0.5, boostUntilMs: nowMs + 3_600_000 })).toMatch(/^ +promotion +boost 0\.5, until 2026-12-06T13:00:00(\.000)?Z$/m);
    expect(item({ ...base, boost: 1, boostUntilMs: nowMs - 120_000 })).toMatch(/^ +promotion +boost 1, lapsed 2026-12-06T11:58:00(\.000)?Z \(2 min ago\)$/m);
    expect(item({ ...base, boost: 0.2 })).toMatch(/^ +promotion +boost 0\.2, until written again$/m);
    expect(item(base)).not.toContain('promotion');
  });
});

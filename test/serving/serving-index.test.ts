import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { openServingIndex, pruneOrphanSnapshots } from '../../src/serving/serving-index.ts';

const dir = mkdtempSync(join(tmpdir(), 'streamrec-index-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const log = createLogger('test', 'silent');
const v = (...xs: number[]) => Float32Array.from(xs);
const rng = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

describe('serving index: a refit', () => {
  it('moves at once, keeps answering while its graph is rebuilt in slices after a quiet spell, and snapshots only the rebuilt graph', async () => {
    const own = mkdtempSync(join(tmpdir(), 'streamrec-refit-'));
    const index = openServingIndex(16, own, 'emb', log);
    try {
      const next = rng(3);
      const point = () => Float32Array.from({ length: 16 }, () => next() - 0.5);
      for (let i = 0; i < 3_000; i++) index.upsert(`i${i}`, point());
      index.saveSnapshot();
      const file = join(own, 'emb.d16.hnsw');
      const savedAt = statSync(file).mtimeMs;

      const refit = new Map<string, Float32Array>();
      for (let i = 0; i < 3_000; i++) refit.set(`i${i}`, point());
      index.upsertMany(refit);
      expect(index.stale).toBe(3_000);
      expect(index.search(refit.get('i42')!, 1)[0]!.itemId).toBe('i42');
      utimesSync(file, new Date(0), new Date(0));
      index.saveSnapshot(); // stale: the old snapshot stays as it was
      expect(statSync(file).mtimeMs).toBe(0);

      // Timer callbacks run between the slices: the rebuild never holds the event loop for long.
      let ticksWhileRebuilding = 0;
      const ticker = setInterval(() => {
        if (index.stale === 0 && index.rebuilds === 0) ticksWhileRebuilding++;
      }, 1);
      const deadline = Date.now() + 20_000;
      while (index.rebuilds === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      clearInterval(ticker);
      expect(index.rebuilds).toBe(1);
      expect(index.stale).toBe(0);
      expect(ticksWhileRebuilding).toBeGreaterThan(0);
      expect(index.search(refit.get('i42')!, 1)[0]!.itemId).toBe('i42');
      index.saveSnapshot();
      expect(statSync(file).mtimeMs).toBeGreaterThanOrEqual(savedAt);
    } finally {
      index.close();
      rmSync(own, { recursive: true, force: true });
    }
  });
});

describe('serving index', () => {
  it('keeps unit vectors beside the graph and searches like it', () => {
    const index = openServingIndex(3, undefined, 'topic', log);
    expect(index.fromSnapshot).toBe(false);
    index.upsert('a', v(2, 0, 0));
    index.upsert('b', v(0, 3, 0));
    index.upsert('c', v(1, 1, 0));
    expect(Array.from(index.vectorOf('a')!)).toEqual([1, 0, 0]);
    expect(index.search(v(1, 0.1, 0), 2).map((n) => n.itemId)).toEqual(['a', 'c']);
    expect(index.remove('a')).toBe(true);
    expect(index.has('a')).toBe(false);
    expect([...index.ids()].sort()).toEqual(['b', 'c']);
    expect(index.size).toBe(2);
    index.saveSnapshot(); // snapshots off: nothing to write, no error
  });

  it('restarts from its snapshot; the replay patches changes and prunes what the topic no longer has', () => {
    const first = openServingIndex(3, dir, 'emb', log);
    first.upsert('a', v(1, 0, 0));
    first.upsert('b', v(0, 1, 0));
    first.upsert('gone', v(0, 0, 1));
    first.saveSnapshot();

    const second = openServingIndex(3, dir, 'emb', log);
    expect(second.fromSnapshot).toBe(true);
    expect(second.size).toBe(3);
    second.beginReplay();
    second.upsert('a', v(1, 0, 0));
    second.upsert('b', v(0, 0.6, 0.8));
    second.upsert('new', v(1, 1, 0));
    expect(second.endReplay()).toBe(1);
    expect(second.has('gone')).toBe(false);
    expect(Array.from(second.vectorOf('b')!).map((x) => Math.round(x * 10) / 10)).toEqual([0, 0.6, 0.8]);
    expect(second.search(v(0, 0, 1), 1)[0]!.itemId).toBe('b');
    expect([...second.ids()].sort()).toEqual(['a', 'b', 'new']);
    // The configured beam width wins over the one the snapshot was saved with.
    expect(second.efSearch).toBe('auto');
    expect(openServingIndex(3, dir, 'emb', log, 128).efSearch).toBe(128);
    expect(openServingIndex(3, undefined, 'emb', log, 200).efSearch).toBe(200);
    // Another topic or dimension never picks this snapshot up.
    expect(openServingIndex(3, dir, 'other', log).fromSnapshot).toBe(false);
    expect(openServingIndex(4, dir, 'emb', log).fromSnapshot).toBe(false);
  });

  it('rewrites its snapshot only when the graph changed since it was loaded or saved', () => {
    const own = mkdtempSync(join(tmpdir(), 'streamrec-unchanged-'));
    try {
      const file = join(own, 'emb.d3.hnsw');
      const first = openServingIndex(3, own, 'emb', log);
      first.upsert('a', v(1, 0, 0));
      first.saveSnapshot();
      const savedMs = statSync(file).mtimeMs;
      const second = openServingIndex(3, own, 'emb', log);
      second.beginReplay();
      second.upsert('a', v(2, 0, 0)); // the same direction: nothing to change
      expect(second.endReplay()).toBe(0);
      second.setHidden('a', true); // hidden marks are not part of a snapshot
      utimesSync(file, 0, 0);
      second.saveSnapshot();
      expect(statSync(file).mtimeMs).toBe(0);
      second.upsert('b', v(0, 1, 0));
      second.saveSnapshot();
      expect(statSync(file).mtimeMs).toBeGreaterThanOrEqual(savedMs);
      expect(openServingIndex(3, own, 'emb', log).has('b')).toBe(true);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('removes snapshots of topics that no longer exist, and nothing else', () => {
    const own = mkdtempSync(join(tmpdir(), 'streamrec-prune-'));
    try {
      const live = openServingIndex(3, own, 'live.topic', log);
      live.upsert('a', v(1, 0, 0));
      live.saveSnapshot();
      const gone = openServingIndex(3, own, 't-1234-item-embeddings', log);
      gone.upsert('a', v(1, 0, 0));
      gone.saveSnapshot();
      writeFileSync(join(own, 'notes.txt'), 'not a snapshot');
      expect(pruneOrphanSnapshots(own, new Set(['live.topic', 'other']), log)).toBe(2);
      expect(readdirSync(own).sort()).toEqual(['live.topic.d3.hnsw', 'live.topic.d3.hnsw.ids.json', 'notes.txt']);
      expect(pruneOrphanSnapshots(join(own, 'missing'), new Set(), log)).toBe(0);
      expect(pruneOrphanSnapshots(undefined, new Set(), log)).toBe(0);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});

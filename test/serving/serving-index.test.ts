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

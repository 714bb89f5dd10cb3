import type { NeighbourRow, NeighbourSource } from './co-visitation.ts';
import { itemHash } from './item-hash.ts';

/** One item's published co-visitation rules (CoVisitation.rowOf), as the item-neighbours topic carries them. */
export interface NeighbourRecord extends NeighbourRow {
  itemId: string;
  updatedAtMs: number;
}

/**
 * A replicated copy of the co-visitation rules: the rows the refit worker published, applied in
 * topic order (the latest row of an item replaces the one before). Scoring reads it like the
 * writer's CoVisitation. It also resolves item hashes to the ids its rules propose, because
 * those items may have no vector (never in the index) yet appear in stored rankings.
 * Memory is what the rows hold: no row is kept that was not received, none grows after it.
 */
export interface NeighbourTable extends NeighbourSource {
  /** Items with a row. */
  readonly items: number;
  apply(record: NeighbourRecord): void;
  /** Drops the item's row; false when it had none. */
  remove(itemId: string): boolean;
  rowOf(itemId: string): NeighbourRecord | undefined;
  /** The ids some row proposes whose itemHash is `hash`. */
  idsWithHash(hash: number): readonly string[];
}

export function createNeighbourTable(): NeighbourTable {
  const rows = new Map<string, NeighbourRecord>();
  // How many rows name each proposed id, and those ids by hash (usually one per hash).
  const refs = new Map<string, number>();
  const byHash = new Map<number, string[]>();
  const none: readonly string[] = [];

  const hold = (id: string): void => {
    const n = refs.get(id) ?? 0;
    refs.set(id, n + 1);
    if (n > 0) return;
    const h = itemHash(id);
    const ids = byHash.get(h);
    if (ids) ids.push(id);
    else byHash.set(h, [id]);
  };
  const release = (id: string): void => {
    const n = refs.get(id) ?? 0;
    if (n > 1) {
      refs.set(id, n - 1);
      return;
    }
    refs.delete(id);
    const h = itemHash(id);
    const ids = byHash.get(h)?.filter((x) => x !== id) ?? [];
    if (ids.length > 0) byHash.set(h, ids);
    else byHash.delete(h);
  };

  return {
    get items() {
      return rows.size;
    },
    apply(record) {
      const row: NeighbourRecord = { itemId: record.itemId, ids: [...record.ids], weights: [...record.weights], mass: record.mass, updatedAtMs: record.updatedAtMs };
      // Held before the old row lets go, so an id in both never leaves the hash map.
      for (const id of row.ids) hold(id);
      const old = rows.get(row.itemId);
      if (old) for (const id of old.ids) release(id);
      rows.set(row.itemId, row);
    },
    remove(itemId) {
      const old = rows.get(itemId);
      if (!old) return false;
      for (const id of old.ids) release(id);
      rows.delete(itemId);
      return true;
    },
    rowOf: (itemId) => rows.get(itemId),
    forEachRule(itemId, visit) {
      const row = rows.get(itemId);
      if (!row) return 0;
      const { ids, weights } = row;
      for (let i = 0; i < ids.length; i++) visit(ids[i]!, weights[i]!);
      return row.mass;
    },
    idsWithHash: (hash) => byHash.get(hash) ?? none,
  };
}

import { createItemNumbers, type DenseRow, type NeighbourRow, type NeighbourSource } from './co-visitation.ts';

/** One item's published co-visitation rules (CoVisitation.rowOf), as the item-neighbours topic carries them. */
export interface NeighbourRecord extends NeighbourRow {
  updatedAtMs: number;
}

/**
 * A replicated copy of the co-visitation rules: the rows the refit worker published, applied in
 * topic order (the latest row of an item replaces the one before). Scoring reads it exactly like
 * the writer's CoVisitation. Memory: the rows received (20 bytes per rule with forward parts) plus every id they
 * name, numbered once (ids are not forgotten; bounded by the catalog).
 */
export interface NeighbourTable extends NeighbourSource {
  /** Items with a row. */
  readonly rows: number;
  apply(record: NeighbourRecord): void;
  /** Drops the item's row; false when it had none. */
  remove(itemId: string): boolean;
  rowOf(itemId: string): NeighbourRecord | undefined;
}

interface StoredRow extends DenseRow {
  updatedAtMs: number;
}

export function createNeighbourTable(): NeighbourTable {
  const numbers = createItemNumbers();
  const rows: Array<StoredRow | undefined> = [];
  let held = 0;
  return {
    get items() {
      return numbers.ids.length;
    },
    get rows() {
      return held;
    },
    numberOf: numbers.numberOf,
    idOf: (n) => numbers.ids[n]!,
    rowAt: (n) => rows[n],
    idsWithHash: numbers.idsWithHash,
    apply(record) {
      const n = numbers.intern(record.itemId);
      const size = Math.min(record.ids.length, record.weights.length);
      const to = new Int32Array(size);
      const weights = new Float64Array(size);
      // The forward parts when the record carries them for every rule (an older writer's do not).
      const given = record.forward !== undefined && record.forward.length >= size && record.forwardMass !== undefined ? record.forward : undefined;
      const forward = given ? new Float64Array(size) : undefined;
      for (let i = 0; i < size; i++) {
        to[i] = numbers.intern(record.ids[i]!);
        weights[i] = record.weights[i]!;
        if (forward) forward[i] = given![i]!;
      }
      if (rows[n] === undefined) held++;
      const row: StoredRow = { to, weights, size, mass: record.mass, updatedAtMs: record.updatedAtMs };
      rows[n] = forward ? { ...row, forward, forwardMass: record.forwardMass! } : row;
    },
    remove(itemId) {
      const n = numbers.numberOf(itemId);
      if (n === undefined || rows[n] === undefined) return false;
      rows[n] = undefined;
      held--;
      return true;
    },
    rowOf(itemId) {
      const n = numbers.numberOf(itemId);
      const row = n === undefined ? undefined : rows[n];
      if (row === undefined) return undefined;
      const out: NeighbourRecord = { itemId, ids: Array.from(row.to, (m) => numbers.ids[m]!), weights: Array.from(row.weights), mass: row.mass, updatedAtMs: row.updatedAtMs };
      if (row.forward !== undefined && row.forwardMass !== undefined) {
        out.forward = Array.from(row.forward);
        out.forwardMass = row.forwardMass;
      }
      return out;
    },
  };
}

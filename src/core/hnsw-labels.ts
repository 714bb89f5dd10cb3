import { itemHash } from './item-hash.ts';

/**
 * The id ↔ label ↔ itemHash bookkeeping of an HNSW index. hnswlib knows numeric labels only;
 * each id gets the next label, and a label is never given to another id (a removed id's label
 * stays unused), so labels are dense and label-indexed arrays can stand in for maps.
 */
export class HnswLabels {
  /** Live ids in insertion order (ids() and the id map keep it). */
  private readonly labelOf: Map<string, number>;
  /**
   * Label-indexed: an array read per search result or filtered candidate instead of a map
   * lookup. Filled up to the first free label, so a snapshot's labels land inside it (a far
   * write to an empty array turns it into a slow dictionary). undefined once removed.
   */
  private readonly idByLabel: Array<string | undefined>;
  /** Label-indexed itemHash of each live label's id (-1 once removed), for the reject part of a filter. */
  private readonly hashByLabel: number[];
  /**
   * The other way round, for the native mask: the label(s) of each hash (a 30-bit hash
   * collides about 5 times among 100k ids; a reject then drops every holder, as hashOfLabel does).
   */
  private readonly labelsOfHash = new Map<number, number | number[]>();
  private next: number;

  /** `live`: [label, itemId] pairs, all labels below `nextLabel` (a snapshot's id map, or none). */
  constructor(live: Iterable<readonly [number, string]>, nextLabel: number) {
    this.labelOf = new Map();
    for (const [label, id] of live) this.labelOf.set(id, label);
    this.next = nextLabel;
    this.idByLabel = new Array<string | undefined>(nextLabel).fill(undefined);
    this.hashByLabel = new Array<number>(nextLabel).fill(-1);
    for (const [id, label] of this.labelOf) this.index(id, label);
  }

  /** Each label's id (undefined for a retired label). A hot loop reads it once, then indexes. */
  get idOfLabel(): ReadonlyArray<string | undefined> {
    return this.idByLabel;
  }

  /** Each label's itemHash (-1 for a retired label). */
  get hashOfLabel(): readonly number[] {
    return this.hashByLabel;
  }

  get size(): number {
    return this.labelOf.size;
  }

  /** The label the next new id gets; labels below it are taken or retired. */
  get nextLabel(): number {
    return this.next;
  }

  labelFor(itemId: string): number | undefined {
    return this.labelOf.get(itemId);
  }

  has(itemId: string): boolean {
    return this.labelOf.has(itemId);
  }

  /**
   * Takes the next label for a new id; `add` records the id once its point is in the graph.
   * A claimed label is spent even if adding the point fails.
   */
  claim(): number {
    return this.next++;
  }

  add(itemId: string, label: number): void {
    this.labelOf.set(itemId, label);
    this.index(itemId, label);
  }

  /** Forgets `itemId`; returns its label (retired for good), or undefined when not indexed. */
  remove(itemId: string): number | undefined {
    const label = this.labelOf.get(itemId);
    if (label === undefined) return undefined;
    this.labelOf.delete(itemId);
    const hash = this.hashByLabel[label]!;
    this.idByLabel[label] = undefined;
    this.hashByLabel[label] = -1;
    const held = this.labelsOfHash.get(hash);
    const rest = typeof held === 'number' || held === undefined ? [] : held.filter((l) => l !== label);
    if (rest.length === 0) this.labelsOfHash.delete(hash);
    else this.labelsOfHash.set(hash, rest.length === 1 ? rest[0]! : rest);
    return label;
  }

  /** The live labels whose id has one of `hashes` (every holder of a shared hash). */
  labelsWithHashes(hashes: Iterable<number>): number[] {
    const out: number[] = [];
    for (const hash of hashes) {
      const held = this.labelsOfHash.get(hash);
      if (held === undefined) continue;
      if (typeof held === 'number') out.push(held);
      else for (const label of held) out.push(label);
    }
    return out;
  }

  idsWithHash(hash: number): string[] {
    const held = this.labelsOfHash.get(hash);
    if (held === undefined) return [];
    return (typeof held === 'number' ? [held] : held).map((label) => this.idByLabel[label]!);
  }

  ids(): string[] {
    return Array.from(this.labelOf.keys());
  }

  /** [label, itemId] pairs of the live ids, in insertion order (the id map's `labels`). */
  pairs(): Array<[number, string]> {
    return Array.from(this.labelOf, ([id, label]) => [label, id] as [number, string]);
  }

  private index(itemId: string, label: number): void {
    const hash = itemHash(itemId);
    this.idByLabel[label] = itemId;
    this.hashByLabel[label] = hash;
    const held = this.labelsOfHash.get(hash);
    this.labelsOfHash.set(hash, held === undefined ? label : typeof held === 'number' ? [held, label] : [...held, label]);
  }
}

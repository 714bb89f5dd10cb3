/** Set while a search runs for the labels of its rejected hashes. */
export const REJECTED = 1;
/** Set while the label's id is hidden (setHidden). */
export const HIDDEN = 2;

/**
 * The label mask of an HNSW index: one byte per label, nonzero = not returned. The patched
 * hnswlib reads it in place (no call into JS per candidate) and the JS filter reads HIDDEN
 * from it. Labels are never reused, so it covers the labels handed out, not the capacity.
 *
 * Hidden-ness belongs to the id (it holds for an id not indexed yet and survives remove and
 * re-add), so the hidden ids are kept here as well and a label takes its bit when tracked.
 */
export class LabelMask {
  private mask: Uint8Array;
  private readonly hidden = new Set<string>();

  constructor(labels: number) {
    this.mask = new Uint8Array(Math.max(16, labels));
  }

  /**
   * The mask itself, for hnswlib and the JS filter. It is replaced when it grows (track), which
   * never happens during a search, so a search may hold on to it until it returns.
   */
  get bits(): Uint8Array {
    return this.mask;
  }

  /** Whether any id is hidden: the JS filter skips the mask read when none is. */
  get anyHidden(): boolean {
    return this.hidden.size > 0;
  }

  /** A new label of `itemId`: grows the mask to cover it and gives it the id's HIDDEN bit. */
  track(itemId: string, label: number): void {
    if (label >= this.mask.length) {
      const grown = new Uint8Array(Math.max(label + 1, this.mask.length * 2));
      grown.set(this.mask);
      this.mask = grown;
    }
    this.mask[label] = this.hidden.has(itemId) ? HIDDEN : 0;
  }

  /** A retired label: never returned again (hnswlib skips it as deleted), so it holds no bit. */
  untrack(label: number): void {
    this.mask[label] = 0;
  }

  /** Hides or shows `itemId`, and its current label if it has one. */
  setHidden(itemId: string, label: number | undefined, hide: boolean): void {
    if (hide) this.hidden.add(itemId);
    else this.hidden.delete(itemId);
    if (label !== undefined) this.mask[label] = hide ? HIDDEN : 0;
  }

  /**
   * Marks `labels` REJECTED for one search. The caller clears them with unreject in a
   * `finally`, so outside a search no label carries REJECTED.
   */
  reject(labels: readonly number[]): void {
    for (const label of labels) this.mask[label]! |= REJECTED;
  }

  unreject(labels: readonly number[]): void {
    for (const label of labels) this.mask[label]! &= ~REJECTED;
  }
}

/**
 * Model versions name the item space they live in (their lineage).
 *
 * A refit aligned onto the model it replaces (Procrustes, refit.ts) keeps that space: user
 * vectors learned before it stay comparable with its item vectors, and so do the rankings
 * stored with them (CandidatePool). Such a refit is named `<lineage>~v<createdMs>`. A version
 * that starts a space (`streamrec train`, or a refit with too few items in common to align)
 * is named without `~` and is its own lineage.
 *
 * Why it matters: the refitter publishes a version every 10,000 events at most, every ~10 s
 * at 1,000 events/s. Had stored rankings been tied to the exact version, nearly every user
 * who came back after that long would get a search; tied to the lineage, they hold until
 * RECOMMEND_POOL_MAX_AGE_MS, and a train still makes every one of them stale at once.
 */
export const LINEAGE_SEPARATOR = '~';

/** The space a version's vectors live in: the part before the first `~`, or the version itself. */
export function modelLineage(version: string): string {
  const at = version.indexOf(LINEAGE_SEPARATOR);
  return at < 0 ? version : version.slice(0, at);
}

/** The name of a refit's version: in `alignedOnto`'s lineage when it was aligned onto it, else a new one. */
export function refitVersionName(createdMs: number, alignedOnto: string | undefined): string {
  return alignedOnto === undefined ? `v${createdMs}` : `${modelLineage(alignedOnto)}${LINEAGE_SEPARATOR}v${createdMs}`;
}

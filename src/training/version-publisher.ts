import type { CatalogStore, ModelMeta, ModelStore } from '../core/stores.ts';
import type { Vector } from '../core/vector.ts';
import { withTimeout } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { ItemEmbeddingsPublisher } from '../core/ports.ts';

export interface RefitVersion {
  /** itemCount is filled in here (the saved version also carries items the refit did not touch). */
  meta: Omit<ModelMeta, 'itemCount'>;
  /** Index vectors (item-space.ts layout) of the items this refit produced. */
  vectors: ReadonlyMap<string, Vector>;
}

export interface VersionPublisher {
  /** Queues a version for saving and publishing; a newer one replaces a queued one not yet started. */
  submit(version: RefitVersion): void;
  readonly published: number;
  readonly lastVersion: string | undefined;
  /** The version `current` in Redis should name: the last one published here, or the one rebased onto or started from. */
  readonly servedVersion: string | undefined;
  /**
   * Another writer (`streamrec train`) replaced the served model with `served`: later versions
   * extend it, and a queued version made before it is dropped (it would undo the replacement).
   */
  rebase(served: ReadonlyMap<string, Vector>, version: string): void;
  /** Waits (at most timeoutMs) for the queue to empty, then stops retrying. Idempotent. */
  close(timeoutMs: number): Promise<void>;
}

export interface VersionPublisherDeps {
  models: ModelStore;
  catalog: CatalogStore;
  embeddings: ItemEmbeddingsPublisher;
  /** The model currently served (index vectors), which a new version extends. */
  served: ReadonlyMap<string, Vector>;
  /** Its version: a version is saved only while Redis still serves this one or the last one published here. */
  servedVersion?: string;
  retryMaxMs: number;
  log: Logger;
}

/**
 * Turns refits into served model versions: (a) a new version in the Redis ModelStore (the
 * previous version's items overlaid with the refit, as the online model's index keeps items
 * a refit leaves out), then (b) the refit's vectors on the item-embeddings topic with source
 * 'train', through which every learner and API process updates its index. Items the catalog
 * marks unavailable are left out (a deleted item must not come back through a refit). A
 * failing step is retried with capped backoff; only the newest queued version matters.
 */
export function createVersionPublisher(deps: VersionPublisherDeps): VersionPublisher {
  const { log } = deps;
  let served = new Map(deps.served);
  let queued: RefitVersion | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  let published = 0;
  let lastVersion: string | undefined;
  // What `current` in Redis should name when the next version is saved; anything else was put
  // there by another writer (a train, a rollback) after this refit began, and must stand.
  let expected = deps.servedVersion;

  async function publishOne(version: RefitVersion): Promise<void> {
    const startedMs = Date.now();
    const current = (await deps.models.current())?.version;
    if (current !== undefined && current !== expected) {
      log.info({ version: version.meta.version, current }, 'refit not published: the served model was replaced meanwhile (the next refit aligns onto it)');
      return;
    }
    const ids = [...version.vectors.keys()];
    const catalog = await deps.catalog.getMany(ids);
    const fresh = new Map<string, Vector>();
    for (const [itemId, vector] of version.vectors) if (catalog.get(itemId)?.available !== false) fresh.set(itemId, vector);
    const full = new Map(served);
    for (const [itemId, vector] of fresh) full.set(itemId, vector);
    const meta: ModelMeta = { ...version.meta, itemCount: full.size };
    await deps.models.save(meta, full);
    const updatedAtMs = Date.now();
    await deps.embeddings.publish([...fresh].map(([itemId, vector]) => ({ itemId, vector, modelVersion: meta.version, updatedAtMs, source: 'train' as const })));
    served = full;
    published++;
    lastVersion = meta.version;
    expected = meta.version;
    log.info(
      { version: meta.version, published: fresh.size, unavailable: version.vectors.size - fresh.size, modelItems: full.size, ms: Date.now() - startedMs },
      'refit saved to Redis and published to item-embeddings',
    );
  }

  async function drain(): Promise<void> {
    let attempt = 0;
    while (queued && !closed) {
      const version = queued;
      try {
        await publishOne(version);
        if (queued === version) queued = undefined;
        attempt = 0;
      } catch (err) {
        attempt++;
        const waitMs = Math.min(deps.retryMaxMs, 250 * 2 ** Math.min(attempt, 10));
        log.warn({ err: (err as Error).message, version: version.meta.version, attempt, waitMs }, 'publishing the refit failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, waitMs).unref());
      }
    }
  }

  return {
    submit(version) {
      if (closed) return;
      if (queued) log.info({ dropped: queued.meta.version, newer: version.meta.version }, 'an unpublished refit replaced by a newer one');
      queued = version;
      running ??= drain().finally(() => {
        running = undefined;
      });
    },
    rebase(next, version) {
      served = new Map(next);
      expected = version;
      if (queued) log.info({ dropped: queued.meta.version }, 'an unpublished refit dropped: the served model was replaced');
      queued = undefined;
    },
    get published() {
      return published;
    },
    get lastVersion() {
      return lastVersion;
    },
    get servedVersion() {
      return expected;
    },
    async close(timeoutMs) {
      if (running) {
        await withTimeout(running, timeoutMs, () => new Error('timeout')).catch(() => {
          log.warn({ version: queued?.meta.version, timeoutMs }, 'refit not published before shutdown; the next start refits again');
        });
      }
      closed = true;
    },
  };
}

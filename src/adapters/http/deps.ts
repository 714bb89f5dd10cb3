import type { Registry } from 'prom-client';
import type { Config } from '../../config.ts';
import type { AnnIndex } from '../../core/ann-index.ts';
import type { CatalogView, EventSink, HealthView, Recommender } from '../../core/ports.ts';
import type { UserStateStore } from '../../core/stores.ts';
import type { Logger } from '../../log.ts';

/**
 * What the HTTP layer needs from the rest of the engine, each as narrow as the routes
 * use it. The serving composition (src/serving) wires the real implementations; tests
 * pass in-memory twins. buildApp never reaches past these.
 */
export interface AppDeps {
  config: Config;
  log: Logger;
  users: Pick<UserStateStore, 'get'>;
  index: AnnIndex;
  catalog: CatalogView;
  recommender: Recommender;
  events: EventSink;
  health: HealthView;
  modelVersion: () => string;
  /** Shared with other metrics of the process; a fresh one per app when absent. */
  registry?: Registry;
  /** Injectable clock for tests. */
  nowMs?: () => number;
}

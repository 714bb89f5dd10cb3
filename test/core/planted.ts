import type { ClickEvent } from '../../src/core/events.ts';
import { createRandom } from '../../src/core/random.ts';

/**
 * Planted structure: `clusters` groups of `perCluster` items; each user sticks to one
 * cluster (with `noise` probability of a random item), interactions an hour apart.
 */
export function plantedEvents(options: { users: number; clusters: number; perCluster: number; perUser: number; noise: number; seed: number }): ClickEvent[] {
  const next = createRandom(options.seed);
  const events: ClickEvent[] = [];
  const t0 = 1_700_000_000_000;
  for (let u = 0; u < options.users; u++) {
    const cluster = u % options.clusters;
    for (let j = 0; j < options.perUser; j++) {
      const c = next() < options.noise ? Math.floor(next() * options.clusters) : cluster;
      const item = `c${c}-i${Math.floor(next() * options.perCluster)}`;
      events.push({ eventId: `e${u}-${j}`, userId: `u${u}`, itemId: item, type: 'click', ts: t0 + (j * options.users + u) * 1000 });
    }
  }
  return events.sort((a, b) => a.ts - b.ts);
}

export const clusterOf = (itemId: string) => itemId.slice(0, itemId.indexOf('-'));

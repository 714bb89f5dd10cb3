import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createCoVisitation } from '../../src/core/co-visitation.ts';
import type { ClickEvent } from '../../src/core/events.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { createSessionNeighbours } from '../../src/core/session-neighbours.ts';
import { createTrending } from '../../src/core/trending.ts';
import type { UserState } from '../../src/core/user-state.ts';
import { bindLearnerCore } from '../../src/pipeline/core-binding.ts';

const config = loadConfig({ EMBEDDING_DIM: '8' });

/**
 * Sources that disagree at the list's length (10): the rules of `h` name A0..A9 (score 0.1
 * each, × coVisitationWeight 10 = 1); the sessions sharing `h` spread over B and 39 fillers
 * (0.025 each). Session weight 30 scores B 0.75, below the ten A's; 100 scores it 2.5, first.
 */
function setup() {
  const neighbours = createCoVisitation();
  for (let a = 0; a < 10; a++) neighbours.observe(`A${a}`, ['h']);
  const sessions = createSessionNeighbours();
  const fillers = Array.from({ length: 39 }, (_, f) => `F${String(f).padStart(2, '0')}`);
  for (let s = 0; s < 20; s++) for (const item of ['h', 'B', ...fillers]) sessions.observe(`s${s}`, item);
  const core = bindLearnerCore(config, createExactIndex(config.model.dim), createTrending(config.model.trendingHalfLifeMs), undefined, { neighbours, sessions });
  return core;
}

describe('the learner credits its blends with what users do after their stored list', () => {
  it('credits a committed event against the list stored before it, never the list made after it', () => {
    const core = setup();
    let offset = 0;
    const batch = (states: Map<string, UserState>, events: ClickEvent[]) => {
      const applied = events.map((event) => {
        const before = states.get(event.userId) ?? core.newState(event.userId);
        states.set(event.userId, core.applyEvent(before, event, { partition: 0, offset: offset++ }, 1000));
        return { event, historyBefore: before.history };
      });
      // As the learner runs a batch: pools ranked before the commit, items learned after it.
      for (const [id, s] of states) states.set(id, core.withPool(s));
      core.learnItems(applied, 1000);
    };
    const states = new Map<string, UserState>();
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
    batch(states, users.map((u) => ({ eventId: `${u}-h`, userId: u, itemId: 'h', type: 'click', ts: 1000 })));
    expect(core.blend().sessionWeight).toBe(30);
    expect(core.recommend(states.get('u1')!).map((i) => i.itemId)).not.toContain('B');
    // The users go on to B, which only the session-heavy blend listed.
    batch(states, users.map((u) => ({ eventId: `${u}-b`, userId: u, itemId: 'B', type: 'click', ts: 1001 })));
    expect(core.blend().sessionWeight).toBe(100);
    expect(core.blend().credits).toEqual([0, 0, expect.closeTo(4.99, 1), 0, 0]);
    // The next batch is credited against the lists stored after the second, which no longer
    // hold B (seen by then): every credit only decays.
    const before = core.blend().credits.slice();
    batch(states, users.map((u) => ({ eventId: `${u}-b2`, userId: u, itemId: 'B', type: 'view', ts: 1002 })));
    expect(core.blend().credits[2]).toBeLessThan(before[2]!);
    const fresh = new Map<string, UserState>();
    batch(fresh, [{ eventId: 'v-h', userId: 'v', itemId: 'h', type: 'click', ts: 1003 }]);
    expect(core.recommend(fresh.get('v')!)[0]!.itemId).toBe('B');
  });
});

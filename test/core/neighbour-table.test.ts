import { describe, expect, it } from 'vitest';
import { createCoVisitation, coVisitationScores, DEFAULT_CO_VISITATION_SCORING, type NeighbourSource } from '../../src/core/co-visitation.ts';
import { DEFAULT_EVENT_WEIGHTS } from '../../src/core/events.ts';
import { createExactIndex } from '../../src/core/exact-index.ts';
import { itemHash } from '../../src/core/item-hash.ts';
import { createNeighbourTable } from '../../src/core/neighbour-table.ts';
import { candidatePool, modelTag, recommend, type RecommendRequest } from '../../src/core/recommender.ts';
import { createTrending } from '../../src/core/trending.ts';
import { createUserState, type UserState } from '../../src/core/user-state.ts';

const row = (itemId: string, ids: string[], weights: number[], mass = weights.reduce((s, w) => s + w, 0)) => ({ itemId, ids, weights, mass, updatedAtMs: 1 });

function rules(source: NeighbourSource, id: string): { mass: number; rules: Array<[string, number]> } {
  const n = source.numberOf(id);
  const row = n === undefined ? undefined : source.rowAt(n);
  if (!row) return { mass: 0, rules: [] };
  const out: Array<[string, number]> = [];
  for (let s = 0; s < row.size; s++) out.push([source.idOf(row.to[s]!), row.weights[s]!]);
  return { mass: row.mass, rules: out.sort() };
}

describe('neighbour table (the replicated co-visitation rules)', () => {
  it('reads like the CoVisitation whose rows it was given', () => {
    const writer = createCoVisitation({ window: 3, backwardWeight: 0.5, maxNeighbours: 100 });
    const sessions = [['a', 'b', 'c', 'd'], ['b', 'c', 'e'], ['a', 'c', 'f', 'g', 'b'], ['x', 'a', 'b']];
    for (const s of sessions) s.forEach((item, i) => writer.observe(item, s.slice(Math.max(0, i - 3), i)));
    const table = createNeighbourTable();
    const items = [...new Set(sessions.flat())];
    for (const id of items) table.apply({ ...writer.rowOf(id)!, updatedAtMs: 5 });
    expect(table.rows).toBe(items.length);
    for (const id of items) expect(rules(table, id)).toEqual(rules(writer, id));
    const history = ['a', 'c', 'b'].map((itemId, j) => ({ itemId, type: 'click' as const, ts: j }));
    const all = () => true;
    const scores = coVisitationScores(history, table, DEFAULT_EVENT_WEIGHTS, DEFAULT_CO_VISITATION_SCORING, 50, all);
    expect(scores.scores.size).toBeGreaterThan(0);
    // The last item's next-item distribution comes from the forward parts the rows carried.
    expect(scores.last.size).toBeGreaterThan(0);
    expect(scores).toEqual(coVisitationScores(history, writer, DEFAULT_EVENT_WEIGHTS, DEFAULT_CO_VISITATION_SCORING, 50, all));
    expect(rules(table, 'nope')).toEqual({ mass: 0, rules: [] });
  });

  it('replaces a row with the newer one, removes on a tombstone, and resolves hashes of the ids it has seen', () => {
    const table = createNeighbourTable();
    table.apply(row('a', ['b', 'c'], [2, 1]));
    table.apply(row('d', ['c'], [1]));
    expect(table.idsWithHash(itemHash('b'))).toEqual(['b']);
    expect(table.idsWithHash(itemHash('c'))).toEqual(['c']);
    expect(table.idsWithHash(itemHash('zz'))).toEqual([]);
    table.apply(row('a', ['c', 'e'], [3, 1], 10));
    expect(table.rowOf('a')).toMatchObject({ ids: ['c', 'e'], mass: 10 });
    expect(rules(table, 'a')).toEqual({ mass: 10, rules: [['c', 3], ['e', 1]] });
    expect(table.idsWithHash(itemHash('e'))).toEqual(['e']);
    expect(table.remove('a')).toBe(true);
    expect(table.remove('a')).toBe(false);
    expect(table.rows).toBe(1);
    expect(rules(table, 'a')).toEqual({ mass: 0, rules: [] });
    expect(rules(table, 'd')).toEqual({ mass: 1, rules: [['c', 1]] });
  });

  it('lets a stored ranking resolve items known only through co-visitation (not in the index)', () => {
    const index = createExactIndex(4);
    index.upsert('v1', new Float32Array([1, 0, 0, 0]));
    index.upsert('v2', new Float32Array([0.9, 0.1, 0, 0]));
    index.upsert('seen', new Float32Array([1, 0.05, 0, 0]));
    const table = createNeighbourTable();
    table.apply(row('seen', ['novec-1', 'novec-2'], [3, 2], 5));
    const user: UserState = {
      ...createUserState('u', 4),
      vector: new Float32Array([1, 0, 0, 0]),
      eventCount: 1,
      history: [{ itemId: 'seen', type: 'click', ts: 1 }],
      seen: [itemHash('seen')],
      updatedAtMs: 1,
    };
    const base: RecommendRequest = { user, k: 3, index, trending: createTrending(60_000), isAvailable: () => true, neighbours: table };
    const pool = candidatePool({ ...base, k: 4 }, modelTag('m'), 4)!.pool;
    const searched = recommend(base);
    expect(searched.items.map((i) => i.itemId)).toContain('novec-1');
    const served = recommend({ ...base, pool });
    expect(served.candidates).toBe('pool');
    expect(served.items).toEqual(searched.items);
    // Without the table the pool's co-visitation entries cannot be named, so it searches.
    expect(recommend({ ...base, neighbours: undefined, pool }).candidates).toBe('search');
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createItemRefitter, createRecentHistories, observeWithHistory } from '../../src/core/item-refitter.ts';
import { onlineModelParamsFrom } from '../../src/core/online-model-params.ts';
import { createRandom } from '../../src/core/random.ts';
import { createTransitionLog, DEFAULT_REFIT_GATE, judgeRefit } from '../../src/core/refit-gate.ts';
import type { Vector } from '../../src/core/vector.ts';
import { plantedEvents } from './planted.ts';

const DIM = 8;

/** Items 0..n-1 in `clusters` groups: each item's factor points along its group's axis, with a little noise. */
function clustered(n: number, clusters: number, seed = 1): Map<string, Vector> {
  const random = createRandom(seed);
  const out = new Map<string, Vector>();
  for (let i = 0; i < n; i++) {
    const v = new Float32Array(DIM);
    for (let c = 0; c < DIM; c++) v[c] = 0.05 * (random() - 0.5);
    v[i % clusters] = v[i % clusters]! + 1;
    out.set(`i${i}`, v);
  }
  return out;
}

/** Transitions within a group (what `clustered` ranks well). */
function withinGroups(count: number, n: number, clusters: number, seed = 2) {
  const random = createRandom(seed);
  const log = createTransitionLog(DEFAULT_REFIT_GATE.transitions);
  for (let t = 0; t < count; t++) {
    const from = Math.floor(random() * n);
    let to = Math.floor(random() * (n / clusters)) * clusters + (from % clusters);
    if (to === from) to = (to + clusters) % n;
    log.add(`i${from}`, `i${to}`);
  }
  return log;
}

describe('refit release check', () => {
  const served = clustered(400, 8);
  const log = withinGroups(1000, 400, 8);

  it('accepts a candidate that ranks the recent transitions as well as the served version, and says how well', () => {
    const verdict = judgeRefit(clustered(400, 8, 3), served, log, DEFAULT_REFIT_GATE);
    expect(verdict.accepted).toBe(true);
    expect(verdict.judged).toBe(1000);
    // Chance is 10 in 101; an eighth of the negatives share the target's group and tie with it, roughly.
    expect(verdict.servedHitRate).toBeGreaterThan(0.6);
    expect(Math.abs(verdict.candidateHitRate - verdict.servedHitRate)).toBeLessThan(0.1);
  });

  it('holds back a collapsed space (every item the same vector: ties rank nothing) and random vectors', () => {
    const collapsed = new Map([...served.keys()].map((id) => [id, Float32Array.from({ length: DIM }, () => 0.3)]));
    expect(judgeRefit(collapsed, served, log, DEFAULT_REFIT_GATE)).toMatchObject({ accepted: false, reason: 'quality', candidateHitRate: 0 });
    const random = createRandom(9);
    const noise = new Map([...served.keys()].map((id) => [id, Float32Array.from({ length: DIM }, () => random() - 0.5)]));
    const verdict = judgeRefit(noise, served, log, DEFAULT_REFIT_GATE);
    expect(verdict).toMatchObject({ accepted: false, reason: 'quality' });
    expect(verdict.candidateHitRate).toBeLessThan(0.5 * verdict.servedHitRate);
  });

  it('holds back non-finite vectors, even as the first version', () => {
    const broken = new Map(served);
    broken.set('i7', Float32Array.from({ length: DIM }, (_, c) => (c === 2 ? Number.NaN : 0)));
    expect(judgeRefit(broken, served, log, DEFAULT_REFIT_GATE)).toMatchObject({ accepted: false, reason: 'non-finite' });
    expect(judgeRefit(broken, new Map(), log, DEFAULT_REFIT_GATE)).toMatchObject({ accepted: false, reason: 'non-finite' });
  });

  it('counts a transition the candidate cannot place against it, and one the served version cannot place not at all', () => {
    const half = new Map([...served].filter(([id]) => Number(id.slice(1)) % 2 === 0));
    const lost = judgeRefit(half, served, log, DEFAULT_REFIT_GATE);
    expect(lost.judged).toBe(1000);
    expect(lost.candidateHitRate).toBeLessThan(0.35);
    expect(lost.accepted).toBe(false);
    const grown = judgeRefit(served, half, log, DEFAULT_REFIT_GATE);
    expect(grown.accepted).toBe(true);
    let bothEven = 0;
    log.forEach((from, to) => {
      if (half.has(from) && half.has(to)) bothEven++;
    });
    expect(grown.judged).toBe(bothEven);
    expect(bothEven).toBeLessThan(700);
  });

  it('passes what it cannot judge: no served version, too few transitions, or the check turned off', () => {
    const collapsed = new Map([...served.keys()].map((id) => [id, new Float32Array(DIM)]));
    expect(judgeRefit(collapsed, new Map(), log, DEFAULT_REFIT_GATE).accepted).toBe(true);
    expect(judgeRefit(collapsed, served, withinGroups(150, 400, 8), DEFAULT_REFIT_GATE)).toMatchObject({ accepted: true, judged: 150 });
    expect(judgeRefit(collapsed, served, log, { ...DEFAULT_REFIT_GATE, maxDrop: 1 }).accepted).toBe(true);
  });

  it('remembers the newest transitions, oldest first', () => {
    const ring = createTransitionLog(3);
    for (const [a, b] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e']]) ring.add(a!, b!);
    const seen: string[] = [];
    ring.forEach((from, to) => seen.push(`${from}>${to}`));
    expect(seen).toEqual(['b>c', 'c>d', 'd>e']);
    expect(ring.size).toBe(3);
  });
});

describe('the item refitter with the release check', () => {
  const config = loadConfig({ EMBEDDING_DIM: '16', HISTORY_CAP: '12' });
  const base = onlineModelParamsFrom(config.model);
  const refitterParams = { dim: 16, weights: base.learner.weights, cooccurrence: base.cooccurrence, coVisitation: base.coVisitation, refit: { ...base.refit, firstAfterEvents: 300 }, gate: base.refitGate };

  it('serves refits of planted tastes and keeps the served factors when a refit comes back broken', () => {
    const refitter = createItemRefitter(refitterParams);
    const histories = createRecentHistories(12, 1_000_000, 16);
    const stream = plantedEvents({ users: 120, clusters: 4, perCluster: 25, perUser: 30, noise: 0.05, seed: 11 });
    const verdicts = [];
    for (const e of stream) {
      observeWithHistory(refitter, histories, e);
      if (refitter.due) verdicts.push(refitter.refit().verdict);
    }
    expect(verdicts.length).toBeGreaterThan(2);
    expect(verdicts.every((v) => v.accepted)).toBe(true);
    expect(refitter.refits).toBe(verdicts.length);
    const judged = verdicts.filter((v) => v.judged >= DEFAULT_REFIT_GATE.minTransitions);
    expect(judged.length).toBeGreaterThan(0);
    // Planted tastes: a transition mostly stays within its cluster (a quarter of the negatives), and the refits rank it far above chance (10 in 101).
    for (const v of judged) expect(v.candidateHitRate).toBeGreaterThan(0.3);

    const served = refitter.trained;
    const { previous } = refitter.beginRefit();
    expect(previous).toBe(served);
    const broken = new Map([...served.keys()].map((id) => [id, new Float32Array(16)]));
    const verdict = refitter.completeRefit({ vectors: broken, vocabSize: broken.size, foldedIn: 0, eigenvalues: [], aligned: true });
    expect(verdict).toMatchObject({ accepted: false, reason: 'quality' });
    expect(refitter.trained).toBe(served);
    expect(refitter.heldBack).toBe(1);
    expect(refitter.refits).toBe(verdicts.length);
  });
});

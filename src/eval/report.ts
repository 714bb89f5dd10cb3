import { WIDE_K } from '../core/metrics.ts';
import type { PrequentialResult } from './prequential.ts';

/** The results as a fixed-width table for a terminal. */
export function formatResultTable(result: PrequentialResult): string {
  const k = result.k;
  const header = ['model', `HR@${k}`, `NDCG@${k}`, `MRR@${k}`, `HR@${WIDE_K}`, `MRR@${WIDE_K}`, 'coverage', 'events/s', 'seconds'];
  const rows = result.models.map((m) => [
    m.name,
    m.hitRate.toFixed(4),
    m.ndcg.toFixed(4),
    m.mrr.toFixed(4),
    m.hitRate20.toFixed(4),
    m.mrr20.toFixed(4),
    m.coverage.toFixed(3),
    Math.round(m.eventsPerSecond).toLocaleString('en-US'),
    ((m.recommendMs + m.learnMs) / 1000).toFixed(1),
  ]);
  const widths = header.map((h, c) => rows.reduce((w, r) => Math.max(w, r[c]!.length), h.length));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const cases = result.models[0]?.cases ?? 0;
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    '',
    `${result.events.toLocaleString('en-US')} events, ${result.users.toLocaleString('en-US')} users, ${result.items.toLocaleString('en-US')} items; ` +
      `${cases.toLocaleString('en-US')} test cases (${result.coldUserCases} from cold users, ${result.coldItemCases} with a never-seen target); ` +
      `wall ${(result.wallMs / 1000).toFixed(1)} s`,
    ...itemPageLine(result),
    // Which blend each online model's stream chose (models/online.ts), where it learns one.
    ...result.models.filter((m) => m.details.blendAtEnd !== undefined).map((m) => `${m.name} blend: ${m.details.blendAtEnd} at the end; lists searched for per blend: ${m.details.blendShares}`),
    // Refits the release check (core/refit-gate.ts) held back: served vectors kept, as in production.
    ...result.models.filter((m) => typeof m.details.refitsHeldBack === 'number').map((m) => `${m.name} refits: ${m.details.refits} served, ${m.details.refitsHeldBack} held back by the release check`),
  ].join('\n');
}

/**
 * The product-page view of the replay: at each user's second item, the HR@k of what each model
 * with a `beside` list shows beside the first item (GET /v1/items/:id/similar), and of every
 * model's own list at those same cases, for scale.
 */
function itemPageLine(result: PrequentialResult): string[] {
  const beside = result.models.filter((m) => m.besideHitRate !== undefined);
  if (beside.length === 0 || result.itemPageCases === 0) return [];
  const k = result.k;
  return [
    `item pages (a user's second item, ${result.itemPageCases.toLocaleString('en-US')} cases), HR@${k} of the items beside the first: ` +
      beside.map((m) => `${m.name} ${m.besideHitRate!.toFixed(4)}`).join(', ') +
      `; each model's own list there: ${result.models.map((m) => `${m.name} ${m.itemPageHitRate.toFixed(4)}`).join(', ')}`,
  ];
}

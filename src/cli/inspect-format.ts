/** Terminal rendering of the inspect facts (the JSON of the GET routes). */
export interface Neighbour {
  itemId: string;
  score: number;
}

export interface UserFacts {
  userId: string;
  embedding: number[];
  norm: number;
  eventCount: number;
  history: Array<{ itemId: string; type: string; ts: number }>;
  lastEventTs: number | null;
  updatedAtMs: number | null;
  nearestItems: Neighbour[];
  storedRanking: { items: Array<{ itemId: string | null; score: number }>; served: boolean } | null;
  modelVersion: string;
}

export interface RecommendationFacts {
  items: Array<{ itemId: string; score: number; source: string }>;
  modelVersion: string;
  cold: boolean;
  fallback: boolean;
  degraded: boolean;
}

export interface ItemFacts {
  itemId: string;
  inIndex: boolean;
  embedding: number[] | null;
  norm: number | null;
  metadata: { title?: string; category?: string; available: boolean; updatedAtMs: number; boost?: number; boostUntilMs?: number } | null;
  neighbours: Neighbour[];
  modelVersion: string;
}

const PREVIEW_DIMS = 8;

export function formatUser(u: UserFacts, recs: RecommendationFacts, nowMs = Date.now()): string {
  const lines = [
    `user ${u.userId}`,
    row('events', String(u.eventCount)),
    row('last event', when(u.lastEventTs, nowMs)),
    row('last update', when(u.updatedAtMs, nowMs)),
    row('embedding', `dim ${u.embedding.length}, norm ${u.norm.toFixed(4)}`),
    row('', preview(u.embedding)),
    '',
    `recent history (newest first, ${u.history.length})`,
    ...(u.history.length === 0 ? ['  none'] : u.history.map((h) => `  ${iso(h.ts).padEnd(24)}  ${h.type.padEnd(16)} ${h.itemId}`)),
    '',
    'nearest items (cosine)',
    ...ranked(u.nearestItems),
    '',
    storedRankingTitle(u.storedRanking),
    ...(u.storedRanking === null ? [] : ranked(u.storedRanking.items.map((r) => ({ itemId: r.itemId ?? '(hash not indexed, or shared)', score: r.score })))),
    '',
    `recommendations (model ${recs.modelVersion}${flags(recs)})`,
    ...(recs.items.length === 0 ? ['  none'] : recs.items.map((r, i) => `  ${String(i + 1).padStart(2)}. ${r.itemId.padEnd(24)} ${r.score.toFixed(4)}  ${r.source}`)),
  ];
  return lines.join('\n');
}

export function formatItem(item: ItemFacts, nowMs = Date.now()): string {
  const m = item.metadata;
  const lines = [
    `item ${item.itemId}`,
    row('in index', item.inIndex ? `yes (model ${item.modelVersion})` : 'no (no embedding)'),
    row('catalog', m ? `${m.available ? 'available' : 'UNAVAILABLE'}, updated ${when(m.updatedAtMs, nowMs)}` : 'no entry (available by default)'),
  ];
  if (m?.title !== undefined) lines.push(row('title', m.title));
  if (m?.category !== undefined) lines.push(row('category', m.category));
  if (m?.boost !== undefined) {
    const until = m.boostUntilMs === undefined ? 'until written again' : m.boostUntilMs > nowMs ? `until ${iso(m.boostUntilMs)}` : `lapsed ${when(m.boostUntilMs, nowMs)}`;
    lines.push(row('promotion', `boost ${m.boost}, ${until}`));
  }
  if (item.embedding && item.norm !== null) {
    lines.push(row('embedding', `dim ${item.embedding.length}, norm ${item.norm.toFixed(4)}`), row('', preview(item.embedding)));
  }
  return [...lines, '', 'neighbours (rules, sessions and embedding scored together; available only)', ...ranked(item.neighbours)].join('\n');
}

function storedRankingTitle(s: UserFacts['storedRanking']): string {
  if (s === null) return 'stored ranking: none (recommend searches the index)';
  const use = s.served ? 'served by recommend' : 'not served: another model version or too old, recommend searches';
  return `stored ranking (learner, ${s.items.length} entries; ${use})`;
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(12)} ${value}`;
}

function ranked(items: Neighbour[]): string[] {
  if (items.length === 0) return ['  none'];
  return items.map((n, i) => `  ${String(i + 1).padStart(2)}. ${n.itemId.padEnd(24)} ${n.score.toFixed(4)}`);
}

function preview(v: number[]): string {
  const head = v.slice(0, PREVIEW_DIMS).map((x) => (x >= 0 ? ' ' : '') + x.toFixed(3));
  return `[${head.join(' ')}${v.length > PREVIEW_DIMS ? ` … ${v.length - PREVIEW_DIMS} more` : ''}]`;
}

function flags(r: RecommendationFacts): string {
  const on = (['cold', 'fallback', 'degraded'] as const).filter((f) => r[f]);
  return on.length === 0 ? '' : `; ${on.join(', ')}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function when(ms: number | null, nowMs: number): string {
  if (ms === null) return 'never';
  return `${iso(ms)} (${ago(nowMs - ms)})`;
}

function ago(ms: number): string {
  if (ms < 0) return 'in the future';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${(s / 3600).toFixed(1)} h ago`;
  return `${(s / 86_400).toFixed(1)} days ago`;
}

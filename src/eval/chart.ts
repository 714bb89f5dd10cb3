import type { PrequentialResult } from './prequential.ts';

export interface ChartMarker {
  /** Event index (0-based) in the replay. */
  eventIndex: number;
  label: string;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const WIDTH = 860;
const HEIGHT = 420;
const PAD = { left: 60, right: 150, top: 40, bottom: 50 };

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Rounds a maximum up to a readable axis end: 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × a power of ten. */
function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (x <= m * p) return m * p;
  return 10 * p;
}

/**
 * A line chart of windowed HR@k over the replay, one line per model, as a standalone SVG
 * (no dependencies; opens in any browser). x is the replay position in events.
 */
export function renderHitRateSvg(result: PrequentialResult, options: { title?: string; markers?: ChartMarker[] } = {}): string {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const maxX = Math.max(1, result.events);
  const maxY = niceCeil(Math.max(0.01, ...result.models.flatMap((m) => m.windowHitRate)));
  const x = (eventIndex: number) => PAD.left + (eventIndex / maxX) * plotW;
  const y = (hr: number) => PAD.top + plotH - (hr / maxY) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${PAD.left}" y="24" font-size="15">${escapeXml(options.title ?? `HR@${result.k} per window of ${result.windowCases} test cases`)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const v = (maxY * i) / 5;
    out.push(
      `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`,
      `<text x="${PAD.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(maxY < 0.1 ? 3 : 2)}</text>`,
    );
    const ev = Math.round((maxX * i) / 5);
    out.push(`<text x="${x(ev).toFixed(1)}" y="${PAD.top + plotH + 18}" text-anchor="middle">${ev.toLocaleString('en-US')}</text>`);
  }
  out.push(
    `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#333"/>`,
    `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#333"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">events replayed</text>`,
    `<text x="16" y="${PAD.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${PAD.top + plotH / 2})">HR@${result.k}</text>`,
  );
  for (const marker of options.markers ?? []) {
    const mx = x(marker.eventIndex).toFixed(1);
    out.push(
      `<line x1="${mx}" x2="${mx}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#888" stroke-dasharray="4 3"/>`,
      `<text x="${mx}" y="${PAD.top - 4}" text-anchor="middle" fill="#555">${escapeXml(marker.label)}</text>`,
    );
  }
  result.models.forEach((m, i) => {
    const color = COLORS[i % COLORS.length]!;
    const points = m.windowHitRate.map((hr, w) => `${x(result.windowEnds[w]?.eventIndex ?? 0).toFixed(1)},${y(hr).toFixed(1)}`);
    if (points.length > 0) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`);
    const ly = PAD.top + 10 + i * 20;
    out.push(
      `<line x1="${PAD.left + plotW + 14}" x2="${PAD.left + plotW + 34}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${PAD.left + plotW + 40}" y="${ly + 4}">${escapeXml(m.name)} ${m.hitRate.toFixed(3)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

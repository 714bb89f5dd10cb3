import type { PrequentialResult } from './prequential.ts';

export interface ChartMarker {
  /** Event index (0-based) in the replay. */
  eventIndex: number;
  label: string;
}

export interface ChartPoint {
  x: number;
  y: number;
  /** Printed small next to the point (e.g. "ef 64"). */
  label?: string;
}

export interface ChartSeries {
  name: string;
  points: readonly ChartPoint[];
  /** Shorthand for dash '6 4'. */
  dashed?: boolean;
  /** An SVG stroke-dasharray ('' = solid); wins over `dashed`. */
  dash?: string;
}

export interface ChartAxis {
  label: string;
  /** Log scale (base 10); points at or below 0 cannot be drawn on it and are left out. */
  log?: boolean;
  /** A fixed domain instead of one rounded out from the data (linear axes only). */
  min?: number;
  max?: number;
}

/** A dashed reference line across the plot at x (vertical) or y (horizontal). */
export interface ChartGuide {
  axis: 'x' | 'y';
  at: number;
  label: string;
}

export interface LineChart {
  title: string;
  x: ChartAxis;
  y: ChartAxis;
  series: readonly ChartSeries[];
  guides?: readonly ChartGuide[];
  /** A dot on every point; needed when a series may have a single point. */
  dots?: boolean;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
/** Dash patterns that stay apart where lines cross or overlap; paired with COLORS by series index. */
export const DASH_PATTERNS = ['', '7 4', '2 3', '10 3 2 3', '4 2', '12 4 2 4 2 4'];
const WIDTH = 860;
const HEIGHT = 420;
const PAD = { left: 70, top: 40, bottom: 50 };
/** Legend text is about this wide per character at font-size 12. */
const LEGEND_CHAR_PX = 6.6;

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** 1, 2 or 5 × a power of ten, at least `x`. */
function niceStep(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (x <= m * p * (1 + 1e-9)) return m * p;
  return 10 * p;
}

/** Trims float noise (0.30000000000000004) and groups thousands. */
function tickText(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const rounded = Number(v.toFixed(Math.min(decimals, 10)));
  return Math.abs(rounded) >= 1000 ? rounded.toLocaleString('en-US') : String(rounded);
}

interface Scale {
  toPx(v: number): number;
  ticks: Array<{ v: number; text: string }>;
  accepts(v: number): boolean;
}

function linearScale(axis: ChartAxis, values: number[], fromPx: number, toPx: number): Scale {
  let lo = axis.min ?? minOf(values);
  let hi = axis.max ?? maxOf(values);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (hi - lo < 1e-12) [lo, hi] = lo === 0 ? [0, 1] : [lo - Math.abs(lo) * 0.05, hi + Math.abs(hi) * 0.05];
  let ticks: Array<{ v: number; text: string }>;
  if (axis.min !== undefined && axis.max !== undefined) {
    // A fixed domain keeps its ends; five even steps between them.
    const step = (hi - lo) / 5;
    ticks = Array.from({ length: 6 }, (_, i) => lo + step * i).map((v) => ({ v, text: tickText(v, step < 1 ? step : 1) }));
  } else {
    const step = niceStep((hi - lo) / 5);
    lo = axis.min ?? Math.floor(lo / step + 1e-9) * step;
    hi = axis.max ?? Math.ceil(hi / step - 1e-9) * step;
    ticks = [];
    for (let v = lo; v <= hi + step / 2; v += step) ticks.push({ v, text: tickText(v, step) });
  }
  return { toPx: (v) => fromPx + ((v - lo) / (hi - lo)) * (toPx - fromPx), ticks, accepts: Number.isFinite };
}

// Loops, not Math.min(...values): a chart of --window 1 has a point per test case, more than a call's arguments may be.
function minOf(values: readonly number[]): number {
  let m = Number.POSITIVE_INFINITY;
  for (const v of values) if (v < m) m = v;
  return m;
}

function maxOf(values: readonly number[]): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > m) m = v;
  return m;
}

/** The nearest 1, 2 or 5 × a power of ten at or below (down) or at or above (up) x > 0. */
function nice125(x: number, up: boolean): number {
  const p = 10 ** Math.floor(Math.log10(x) + 1e-9);
  const steps = up ? [1, 2, 5, 10] : [10, 5, 2, 1];
  for (const m of steps) if (up ? x <= m * p * (1 + 1e-9) : x >= m * p * (1 - 1e-9)) return m * p;
  return up ? 10 * p : p;
}

function logScale(values: number[], fromPx: number, toPx: number): Scale {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const lo = nice125(positive.length ? minOf(positive) : 1, false);
  let hi = nice125(positive.length ? maxOf(positive) : 10, true);
  if (hi <= lo) hi = nice125(lo * 1.01, true);
  // Over few decades 2× and 5× ticks keep the axis readable; over many, powers of ten only.
  const multiples = Math.log10(hi / lo) <= 2.5 ? [1, 2, 5] : [1];
  const ticks: Array<{ v: number; text: string }> = [];
  for (let p = 10 ** Math.floor(Math.log10(lo) + 1e-9); p <= hi * (1 + 1e-9); p *= 10) {
    for (const m of multiples) {
      const v = m * p;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push({ v, text: tickText(v, v) });
    }
  }
  // The axis ends are labelled too, so the reader always sees the range.
  for (const end of [lo, hi]) if (!ticks.some((t) => Math.abs(t.v / end - 1) < 1e-9)) ticks.push({ v: end, text: tickText(end, end) });
  const span = Math.log10(hi / lo);
  return { toPx: (v) => fromPx + (Math.log10(v / lo) / span) * (toPx - fromPx), ticks, accepts: (v) => v > 0 && Number.isFinite(v) };
}

/**
 * A line chart as a standalone SVG (no dependencies; opens in any browser): one polyline
 * per series with a legend on the right, linear or log axes, optional reference lines.
 */
export function renderLineChartSvg(chart: LineChart): string {
  const legendChars = Math.max(12, maxOf(chart.series.map((s) => s.name.length)));
  const padRight = Math.min(330, Math.round(56 + legendChars * LEGEND_CHAR_PX));
  const plotW = WIDTH - PAD.left - padRight;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const xs = chart.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = chart.series.flatMap((s) => s.points.map((p) => p.y));
  const bottom = PAD.top + plotH;
  const sx = chart.x.log ? logScale(xs, PAD.left, PAD.left + plotW) : linearScale(chart.x, xs, PAD.left, PAD.left + plotW);
  const sy = chart.y.log ? logScale(ys, bottom, PAD.top) : linearScale(chart.y, ys, bottom, PAD.top);
  const px = (v: number) => sx.toPx(v).toFixed(1);
  const py = (v: number) => sy.toPx(v).toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${PAD.left}" y="24" font-size="15">${escapeXml(chart.title)}</text>`,
  ];
  for (const t of sy.ticks) {
    out.push(
      `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${py(t.v)}" y2="${py(t.v)}" stroke="#e5e5e5"/>`,
      `<text x="${PAD.left - 8}" y="${(sy.toPx(t.v) + 4).toFixed(1)}" text-anchor="end">${escapeXml(t.text)}</text>`,
    );
  }
  for (const t of sx.ticks) out.push(`<text x="${px(t.v)}" y="${bottom + 18}" text-anchor="middle">${escapeXml(t.text)}</text>`);
  out.push(
    `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escapeXml(chart.x.label)}</text>`,
    `<text x="16" y="${PAD.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${PAD.top + plotH / 2})">${escapeXml(chart.y.label)}</text>`,
  );
  for (const g of chart.guides ?? []) {
    const scale = g.axis === 'x' ? sx : sy;
    if (!scale.accepts(g.at)) continue;
    const at = scale.toPx(g.at).toFixed(1);
    out.push(
      g.axis === 'x'
        ? `<line x1="${at}" x2="${at}" y1="${PAD.top}" y2="${bottom}" stroke="#888" stroke-dasharray="4 3"/>`
        : `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${at}" y2="${at}" stroke="#888" stroke-dasharray="4 3"/>`,
      g.axis === 'x'
        ? `<text x="${at}" y="${PAD.top - 4}" text-anchor="middle" fill="#555">${escapeXml(g.label)}</text>`
        : `<text x="${PAD.left + plotW - 4}" y="${(Number(at) - 4).toFixed(1)}" text-anchor="end" fill="#555">${escapeXml(g.label)}</text>`,
    );
  }
  chart.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pattern = s.dash ?? (s.dashed ? '6 4' : '');
    const dash = pattern === '' ? '' : ` stroke-dasharray="${pattern}"`;
    const points = s.points.filter((p) => sx.accepts(p.x) && sy.accepts(p.y));
    if (points.length > 0) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${points.map((p) => `${px(p.x)},${py(p.y)}`).join(' ')}"/>`);
    for (const p of points) {
      if (chart.dots) out.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3" fill="${color}"/>`);
      if (p.label) out.push(`<text x="${(sx.toPx(p.x) + 5).toFixed(1)}" y="${(sy.toPx(p.y) - 5).toFixed(1)}" font-size="10" fill="${color}">${escapeXml(p.label)}</text>`);
    }
    const ly = PAD.top + 10 + i * 20;
    out.push(
      `<line x1="${PAD.left + plotW + 10}" x2="${PAD.left + plotW + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"${dash}/>`,
      `<text x="${PAD.left + plotW + 46}" y="${ly + 4}">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Rounds a maximum up to a readable axis end: 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × a power of ten. */
function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (x <= m * p) return m * p;
  return 10 * p;
}

/**
 * Windowed HR@k over the replay, one line per model (its own colour and dash pattern, so
 * overlapping lines stay apart, and a legend); x is the replay position in events.
 */
export function renderHitRateSvg(result: PrequentialResult, options: { title?: string; markers?: ChartMarker[] } = {}): string {
  const maxY = niceCeil(Math.max(0.01, maxOf(result.models.flatMap((m) => m.windowHitRate))));
  return renderLineChartSvg({
    title: options.title ?? `HR@${result.k} per window of ${result.windowCases} test cases`,
    x: { label: 'events replayed', min: 0, max: Math.max(1, result.events) },
    y: { label: `HR@${result.k}`, min: 0, max: maxY },
    series: result.models.map((m, i) => ({
      name: `${m.name} ${m.hitRate.toFixed(3)}`,
      dash: DASH_PATTERNS[i % DASH_PATTERNS.length]!,
      points: m.windowHitRate.map((hr, w) => ({ x: result.windowEnds[w]?.eventIndex ?? 0, y: hr })),
    })),
    guides: (options.markers ?? []).map((m) => ({ axis: 'x' as const, at: m.eventIndex, label: m.label })),
  });
}

import { describe, expect, it } from 'vitest';
import { renderHitRateSvg, renderLineChartSvg } from '../../src/eval/chart.ts';
import type { PrequentialResult } from '../../src/eval/prequential.ts';
import { expectWellFormedSvg } from '../helpers/svg.ts';

const tickTexts = (svg: string) => [...svg.matchAll(/text-anchor="(?:end|middle)">([^<]*)</g)].map((m) => m[1]);

describe('renderLineChartSvg', () => {
  it('draws one line and legend entry per series, axis labels and escaped text', () => {
    const svg = renderLineChartSvg({
      title: 'p99 <at> rate & more',
      x: { label: 'asked events/s' },
      y: { label: 'latency ms' },
      series: [
        { name: 'p50', points: [{ x: 1000, y: 10 }, { x: 2000, y: 20 }] },
        { name: 'p99 "tail"', points: [{ x: 1000, y: 30, label: 'ef 16' }, { x: 2000, y: 60 }], dashed: true },
      ],
      dots: true,
    });
    expectWellFormedSvg(svg);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).toContain('p99 &#60;at&#62; rate &#38; more');
    expect(svg).toContain('p99 &#34;tail&#34;');
    expect(svg).toContain('>asked events/s<');
    expect(svg).toContain('>latency ms<');
    expect(svg).toContain('>ef 16<');
    // A linear axis rounds out to readable ends.
    expect(tickTexts(svg)).toEqual(expect.arrayContaining(['1,000', '1,200', '2,000', '10', '60']));
  });

  it('log axes end on 1-2-5 values, label both ends, and leave out points at or below zero', () => {
    const svg = renderLineChartSvg({
      title: 'freshness',
      x: { label: 'rate', log: true },
      y: { label: 'ms', log: true },
      series: [{ name: 'p50', points: [{ x: 1000, y: 0 }, { x: 5000, y: 120 }, { x: 20_000, y: 41_000 }] }],
      guides: [{ axis: 'y', at: 250, label: 'target' }, { axis: 'y', at: 0, label: 'never drawn' }],
    });
    expectWellFormedSvg(svg);
    const ticks = tickTexts(svg);
    expect(ticks).toEqual(expect.arrayContaining(['1,000', '20,000', '100', '50,000']));
    expect(svg.match(/<polyline [^>]*points="([^"]*)"/)?.[1]?.split(' ')).toHaveLength(2);
    expect(svg).toContain('>target<');
    expect(svg).not.toContain('never drawn');
  });

  it('a single point or identical values still give a finite chart', () => {
    const svg = renderLineChartSvg({ title: 't', x: { label: 'x' }, y: { label: 'y', log: true }, series: [{ name: 'one', points: [{ x: 1, y: 1000 }] }], dots: true });
    expectWellFormedSvg(svg);
    expect(svg.match(/<circle /g)).toHaveLength(1);
  });
});

describe('renderHitRateSvg', () => {
  it('draws the windowed hit rate of each model over the replay', () => {
    const model = (name: string, windowHitRate: number[]) => ({ name, windowHitRate, hitRate: 0.2 }) as unknown as PrequentialResult['models'][number];
    const result = {
      k: 10, events: 1000, users: 10, items: 20, coldItemCases: 0, coldUserCases: 0, windowCases: 100, wallMs: 1,
      windowEnds: [{ eventIndex: 499, ts: 0 }, { eventIndex: 999, ts: 0 }],
      models: [model('online', [0.1, 0.2]), model('itemknn', [0.15, 0.18])],
    } as PrequentialResult;
    const svg = renderHitRateSvg(result, { markers: [{ eventIndex: 500, label: 'drift' }] });
    expectWellFormedSvg(svg);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('online 0.200');
    expect(svg).toContain('>HR@10<');
    expect(svg).toContain('>events replayed<');
    expect(svg).toContain('>drift<');
  });

  it('charts a window per test case of a long replay (--window 1 over 300,000 cases) without overflowing the stack', () => {
    const n = 300_000;
    const rates = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : 0));
    const result = {
      k: 10, events: n, users: 10, items: 20, coldItemCases: 0, coldUserCases: 0, windowCases: 1, wallMs: 1,
      windowEnds: Array.from({ length: n }, (_, i) => ({ eventIndex: i, ts: 0 })),
      models: [{ name: 'online', windowHitRate: rates, hitRate: 1 / 7 }],
    } as unknown as PrequentialResult;
    const svg = renderHitRateSvg(result);
    expectWellFormedSvg(svg);
    expect(svg).toContain('>HR@10<');
  });

  it('gives every model its own colour and dash pattern, the legend drawn the same way', () => {
    const names = ['online', 'popularity', 'itemknn', 'vsknn', 'sr', 'batch', 'online-pooled'];
    const result = {
      k: 10, events: 1000, users: 10, items: 20, coldItemCases: 0, coldUserCases: 0, windowCases: 100, wallMs: 1,
      windowEnds: [{ eventIndex: 499, ts: 0 }, { eventIndex: 999, ts: 0 }],
      models: names.map((name) => ({ name, windowHitRate: [0.1, 0.1], hitRate: 0.1 })), // identical lines: only style tells them apart
    } as unknown as PrequentialResult;
    const svg = renderHitRateSvg(result);
    expectWellFormedSvg(svg);
    const style = (tag: string) => `${/stroke="([^"]+)"/.exec(tag)?.[1]} ${/stroke-dasharray="([^"]+)"/.exec(tag)?.[1] ?? 'solid'}`;
    const lines = [...svg.matchAll(/<polyline [^>]*>/g)].map((m) => style(m[0]));
    expect(lines).toHaveLength(names.length);
    expect(new Set(lines).size).toBe(names.length);
    expect(new Set(lines.map((l) => l.split(' ')[0])).size).toBe(names.length); // colours alone differ too
    const legend = [...svg.matchAll(/<line [^>]*stroke-width="3"[^>]*>/g)].map((m) => style(m[0]));
    expect(legend).toEqual(lines);
    for (const name of names) expect(svg).toContain(`>${name} 0.100<`);
  });
});

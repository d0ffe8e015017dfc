/**
 * The report's charts: values land where the axes say, text is escaped, output is well-formed
 * and identical for identical input.
 */
import { describe, expect, it } from 'vitest';
import { plotArea } from '../../../src/report/svg-axis.js';
import {
  barChart,
  barLayout,
  groupedBarChart,
  groupedBarLayout,
  type BarChartSpec,
  type GroupedBarChartSpec,
} from '../../../src/report/svg-bar.js';
import { funnelChart, funnelLayout, type FunnelChartSpec } from '../../../src/report/svg-funnel.js';
import {
  histogramBins,
  histogramChart,
  histogramLayout,
  type HistogramSpec,
} from '../../../src/report/svg-histogram.js';
import { lineChart, lineLayout, type LineChartSpec } from '../../../src/report/svg-line.js';
import { elements, parseXml, pathPoints } from './xml.js';

const NASTY = `Tom & Jerry's <b>"best"</b>`;

const line: LineChartSpec = {
  title: `Units of ${NASTY}`,
  series: [
    {
      name: NASTY,
      points: [
        { x: 0, y: 0 },
        { x: 5, y: 40 },
        { x: 10, y: 100 },
      ],
    },
    {
      name: 'flat',
      points: [
        { x: 0, y: 20 },
        { x: 10, y: 20 },
      ],
    },
  ],
  marks: [{ x: 5, y: 40, shape: 'up', colour: '#d55e00' }],
  markLegend: [{ shape: 'up', label: 'spike & more', colour: '#d55e00' }],
  yTitle: 'units',
};

const bars: BarChartSpec = {
  title: 'Velocity',
  bars: [
    { label: 'a <b>', value: 100 },
    { label: 'b & c', value: 25 },
    { label: 'd', value: 50, note: '50/day "mostly cancelled"' },
  ],
};

const grouped: GroupedBarChartSpec = {
  title: 'Segments',
  series: ['customers', 'revenue & more'],
  groups: [
    { label: 'champions <1>', values: [20, 60], notes: ['20%', '60%'] },
    { label: 'lost', values: [40, 5] },
    { label: 'new', values: [10, 0] },
  ],
  format: (v) => `${v}%`,
};

const histogram: HistogramSpec = {
  title: 'Estimates',
  values: [-2.1, -1.9, -1.8, -1.2, -0.4, 0.3],
  binWidth: 0.5,
  markers: [{ x: 0, label: '0 < 1' }],
};

const funnel: FunnelChartSpec = {
  title: 'Funnel',
  steps: [
    { label: 'view', value: 1000, note: '80 shoppers' },
    { label: 'cart', value: 250 },
    { label: 'purchase', value: 50 },
  ],
};

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(0.05);

describe('line chart', () => {
  it('puts each point where the scales map it', () => {
    const layout = lineLayout(line);
    const { x0, x1, y0, y1 } = plotArea(layout.frame);
    // The y axis runs from 0 to the round tick at or above the top value (100).
    expect(layout.yTicks.map((t) => t.value)).toEqual([0, 20, 40, 60, 80, 100]);
    const svg = lineChart(line);
    const paths = elements(svg, 'path');
    expect(paths).toHaveLength(2);
    const pts = pathPoints(paths[0]!.attrs.d!);
    close(pts[0]![0], x0);
    close(pts[0]![1], y1);
    close(pts[1]![0], (x0 + x1) / 2);
    close(pts[1]![1], y1 - 0.4 * (y1 - y0));
    close(pts[2]![0], x1);
    close(pts[2]![1], y0);
    const flat = pathPoints(paths[1]!.attrs.d!);
    close(flat[0]![1], y1 - 0.2 * (y1 - y0));
  });

  it('draws marks at their values in their colour', () => {
    const layout = lineLayout(line);
    const svg = lineChart(line);
    const marks = elements(svg, 'polygon').filter((p) => p.attrs.fill === '#d55e00');
    // One in the legend, one on the plot.
    expect(marks).toHaveLength(2);
    const corners = marks[1]!.attrs.points!.split(' ').map((p) => p.split(',').map(Number));
    close(corners[0]![0]!, layout.x(5));
    close(corners[0]![1]!, layout.y(40) - 5);
  });

  it('labels a time axis with months', () => {
    const t0 = Date.UTC(2011, 0, 15);
    const svg = lineChart({
      title: 'Weekly',
      xTime: true,
      series: [
        {
          name: 's',
          points: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map((w) => ({
            x: t0 + w * 7 * 86_400_000,
            y: w,
          })),
        },
      ],
    });
    const labels = elements(svg, 'text').map((t) => t.text);
    expect(labels).toEqual(expect.arrayContaining(['Feb 2011', 'Mar', 'Apr']));
  });

  it('survives a chart without points', () => {
    expect(() => parseXml(lineChart({ title: 'empty', series: [] }))).not.toThrow();
  });
});

describe('bar chart', () => {
  it('draws bars from zero with lengths proportional to the values', () => {
    const layout = barLayout(bars);
    const rects = elements(barChart(bars), 'rect').filter((r) => r.attrs.height === '16');
    expect(rects).toHaveLength(3);
    const widths = rects.map((r) => Number(r.attrs.width));
    close(Number(rects[0]!.attrs.x), layout.x(0));
    close(widths[0]!, layout.x(100) - layout.x(0));
    expect(widths[1]! / widths[0]!).toBeCloseTo(0.25, 2);
    expect(widths[2]! / widths[0]!).toBeCloseTo(0.5, 2);
    expect(rects.map((r) => Number(r.attrs.y))).toEqual(layout.rowY);
  });
});

describe('grouped bar chart', () => {
  it('draws one bar per series and group, in series colours, proportional to the values', () => {
    const layout = groupedBarLayout(grouped);
    const svg = groupedBarChart(grouped);
    const rects = elements(svg, 'rect').filter((r) => r.attrs.height === String(layout.barHeight));
    expect(rects).toHaveLength(6);
    const fills = rects.map((r) => r.attrs.fill);
    expect(fills).toEqual(['#0072b2', '#d55e00', '#0072b2', '#d55e00', '#0072b2', '#d55e00']);
    expect(rects.map((r) => Number(r.attrs.y))).toEqual(layout.barY.flat());
    const width = (i: number) => Number(rects[i]!.attrs.width);
    close(Number(rects[0]!.attrs.x), layout.x(0));
    close(width(1), layout.x(60) - layout.x(0));
    expect(width(0) / width(1)).toBeCloseTo(20 / 60, 2);
    expect(width(2) / width(1)).toBeCloseTo(40 / 60, 2);
    // A zero value still shows as a hairline.
    expect(width(5)).toBe(1);
    // Bars of a group touch nothing of the next group.
    expect(layout.barY[1]![0]!).toBeGreaterThan(layout.barY[0]![1]! + layout.barHeight);
  });

  it('labels groups once and names the series in a legend', () => {
    const texts = elements(groupedBarChart(grouped), 'text').map((t) => t.text);
    expect(texts).toEqual(expect.arrayContaining(['champions <1>', 'customers', 'revenue & more']));
    expect(texts.filter((t) => t === 'lost')).toHaveLength(1);
    expect(texts).toEqual(expect.arrayContaining(['20%', '60%', '40%', '5%', '0%']));
    // Legend swatches, one per series.
    const swatches = elements(groupedBarChart(grouped), 'rect').filter(
      (r) => r.attrs.height === '10',
    );
    expect(swatches.map((r) => r.attrs.fill)).toEqual(['#0072b2', '#d55e00']);
  });
});

describe('histogram', () => {
  it('bins on multiples of the width, empty bins included, upper edges exclusive', () => {
    expect(histogramBins([0.1, 0.5, 0.49, 1.7, -0.2], 0.5)).toEqual([
      { lo: -0.5, hi: 0, count: 1 },
      { lo: 0, hi: 0.5, count: 2 },
      { lo: 0.5, hi: 1, count: 1 },
      { lo: 1, hi: 1.5, count: 0 },
      { lo: 1.5, hi: 2, count: 1 },
    ]);
    expect(histogramBins([Number.NaN], 1)).toEqual([]);
    expect(() => histogramBins([1], 0)).toThrow();
  });

  it('draws each bin between its edges and as tall as its count', () => {
    const layout = histogramLayout(histogram);
    const rects = elements(histogramChart(histogram), 'rect').filter(
      (r) => r.attrs.fill === '#0072b2',
    );
    const nonEmpty = layout.bins.filter((b) => b.count > 0);
    expect(rects).toHaveLength(nonEmpty.length);
    rects.forEach((r, i) => {
      const b = nonEmpty[i]!;
      close(Number(r.attrs.x), layout.x(b.lo) + 0.5);
      close(Number(r.attrs.y), layout.y(b.count));
      close(Number(r.attrs.height), layout.y(0) - layout.y(b.count));
    });
  });
});

describe('funnel chart', () => {
  it('makes bar widths proportional to the steps and centres them', () => {
    const { rows } = funnelLayout(funnel);
    expect(rows[1]!.width / rows[0]!.width).toBeCloseTo(0.25, 6);
    expect(rows[2]!.width / rows[0]!.width).toBeCloseTo(0.05, 6);
    const centre = (r: (typeof rows)[number]) => r.x + r.width / 2;
    expect(centre(rows[2]!)).toBeCloseTo(centre(rows[0]!), 6);
    const texts = elements(funnelChart(funnel), 'text').map((t) => t.text);
    expect(texts).toContain('250 · 25% of view');
    expect(texts).toContain('1k (80 shoppers)');
  });
});

describe('every chart', () => {
  const charts = {
    line: () => lineChart(line),
    bar: () => barChart(bars),
    grouped: () => groupedBarChart({ ...grouped, title: NASTY }),
    histogram: () => histogramChart(histogram),
    funnel: () => funnelChart(funnel),
  };

  it.each(Object.entries(charts))('%s: well-formed, escaped, deterministic', (_, draw) => {
    const svg = draw();
    const parsed = parseXml(svg);
    expect(parsed[0]!.name).toBe('svg');
    expect(svg).not.toMatch(/<b>|Tom & Jerry|"best"|NaN|undefined|Infinity/);
    expect(draw()).toBe(svg);
  });

  it('keeps text intact through escaping', () => {
    const texts = elements(lineChart(line), 'text').map((t) => t.text);
    expect(texts).toContain(NASTY);
    expect(texts).toContain('spike & more');
  });
});

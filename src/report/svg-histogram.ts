/** Histogram: counts of values in equal bins on a numeric axis, with labelled reference lines. */
import { plotArea, xAxis, yAxis, type Frame } from './svg-axis.js';
import { compactNumber, extent, linearScale, niceTicks, type Tick } from './svg-scale.js';
import { colour, el, svgDocument, text } from './svg-xml.js';

export interface Bin {
  /** Inclusive lower edge. */
  lo: number;
  /** Exclusive upper edge. */
  hi: number;
  count: number;
}

/**
 * Bins of `width` aligned on multiples of it (so the edges are round numbers whatever the data),
 * from the one holding the smallest value to the one holding the largest, empty ones included.
 */
export function histogramBins(values: readonly number[], width: number): Bin[] {
  if (!(width > 0)) throw new Error('histogram: bin width must be above 0');
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [];
  const [lo, hi] = extent(finite);
  const first = Math.floor(lo / width);
  const last = Math.floor(hi / width);
  const bins: Bin[] = [];
  for (let i = first; i <= last; i++) {
    bins.push({
      lo: Number((i * width).toPrecision(12)),
      hi: Number(((i + 1) * width).toPrecision(12)),
      count: 0,
    });
  }
  for (const v of finite) bins[Math.floor(v / width) - first]!.count++;
  return bins;
}

export interface HistogramSpec {
  title: string;
  values: readonly number[];
  binWidth: number;
  xTitle?: string;
  yTitle?: string;
  /** Vertical reference lines, e.g. zero or the median. */
  markers?: readonly { x: number; label: string }[];
  width?: number;
  height?: number;
}

export interface HistogramLayout {
  frame: Frame;
  bins: Bin[];
  x: (v: number) => number;
  y: (v: number) => number;
  xTicks: Tick[];
  yTicks: Tick[];
}

export function histogramLayout(spec: HistogramSpec): HistogramLayout {
  const width = spec.width ?? 860;
  const height = spec.height ?? 340;
  const frame: Frame = { width, height, left: 64, right: 20, top: 48, bottom: 48 };
  const bins = histogramBins(spec.values, spec.binWidth);
  const edges = [...bins.flatMap((b) => [b.lo, b.hi]), ...(spec.markers ?? []).map((m) => m.x)];
  const [lo, hi] = extent(edges);
  const xValues = niceTicks(lo, hi, 10);
  const yValues = niceTicks(0, Math.max(1, ...bins.map((b) => b.count)), 5);
  const { x0, x1, y0, y1 } = plotArea(frame);
  return {
    frame,
    bins,
    x: linearScale([xValues[0]!, xValues[xValues.length - 1]!], [x0, x1]),
    y: linearScale([0, yValues[yValues.length - 1]!], [y1, y0]),
    xTicks: xValues.map((v) => ({ value: v, label: compactNumber(v) })),
    yTicks: yValues.map((v) => ({ value: v, label: compactNumber(v) })),
  };
}

export function histogramChart(spec: HistogramSpec): string {
  const layout = histogramLayout(spec);
  const { frame, x, y } = layout;
  const body: string[] = [...yAxis(frame, y, layout.yTicks, spec.yTitle)];
  for (const b of layout.bins) {
    if (b.count === 0) continue;
    const left = x(b.lo);
    body.push(
      el('rect', {
        x: left + 0.5,
        y: y(b.count),
        width: Math.max(1, x(b.hi) - left - 1),
        height: y(0) - y(b.count),
        fill: colour(0),
      }),
    );
  }
  (spec.markers ?? []).forEach((m, i) => {
    const px = x(m.x);
    body.push(
      el('line', {
        x1: px,
        y1: frame.top,
        x2: px,
        y2: frame.height - frame.bottom,
        stroke: colour(1),
        'stroke-dasharray': '4 3',
      }),
      text(px + 4, frame.top + 12 + i * 14, m.label, { fill: colour(1) }),
    );
  });
  body.push(...xAxis(frame, x, layout.xTicks, spec.xTitle));
  return svgDocument({ width: frame.width, height: frame.height, title: spec.title }, body);
}

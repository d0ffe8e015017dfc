/**
 * Line chart: several series over a shared numeric or time x axis, with marked points (events
 * worth pointing at, such as anomaly alerts) drawn over the lines.
 */
import { plotArea, xAxis, yAxis, type Frame } from './svg-axis.js';
import { legend, marker, type LegendEntry, type MarkShape } from './svg-legend.js';
import {
  compactNumber,
  extent,
  linearScale,
  niceTicks,
  timeTicks,
  type Tick,
} from './svg-scale.js';
import { colour, el, px, svgDocument } from './svg-xml.js';

export interface LinePoint {
  x: number;
  y: number;
}

export interface LineSeries {
  name: string;
  points: readonly LinePoint[];
}

export interface Mark {
  x: number;
  y: number;
  shape: MarkShape;
  /** Index of the series whose colour the mark takes; otherwise `colour`, or black. */
  series?: number;
  colour?: string;
}

export interface LineChartSpec {
  title: string;
  series: readonly LineSeries[];
  marks?: readonly Mark[];
  /** Legend entries explaining the marks (series get theirs automatically). */
  markLegend?: readonly { shape: MarkShape; label: string; colour?: string }[];
  /** x values are UTC epoch milliseconds. */
  xTime?: boolean;
  xTitle?: string;
  yTitle?: string;
  yFormat?: (v: number) => string;
  /** Dots on every point, for short series. */
  dots?: boolean;
  width?: number;
  height?: number;
}

export interface LineLayout {
  frame: Frame;
  x: (v: number) => number;
  y: (v: number) => number;
  xTicks: Tick[];
  yTicks: Tick[];
  legend: LegendEntry[];
}

const MARGIN = { left: 64, right: 20, bottom: 48 };

/** Where everything goes: the plot frame, both scales and the ticks. */
export function lineLayout(spec: LineChartSpec): LineLayout {
  const width = spec.width ?? 860;
  const height = spec.height ?? 360;
  const entries: LegendEntry[] = spec.series.map((s, i) => ({
    label: s.name,
    colour: colour(i),
    swatch: 'line',
  }));
  for (const m of spec.markLegend ?? []) {
    entries.push({ label: m.label, colour: m.colour ?? '#000000', swatch: m.shape });
  }
  const legendHeight = legend(entries, MARGIN.left, 0, width - MARGIN.left - MARGIN.right).height;
  const frame: Frame = { width, height, ...MARGIN, top: 44 + legendHeight };
  const xs = spec.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p.y));
  for (const m of spec.marks ?? []) {
    xs.push(m.x);
    ys.push(m.y);
  }
  const [xMin, xMax] = extent(xs);
  const [yLo, yHi] = extent(ys);
  // Counts and money read against zero; an axis starting elsewhere exaggerates change.
  const yValues = niceTicks(Math.min(0, yLo), yHi, 5);
  const { x0, x1, y0, y1 } = plotArea(frame);
  const format = spec.yFormat ?? compactNumber;
  const xTicks = spec.xTime
    ? timeTicks(xMin, xMax)
    : niceTicks(xMin, xMax, 8)
        .filter((v) => v >= xMin && v <= xMax)
        .map((v) => ({ value: v, label: compactNumber(v) }));
  return {
    frame,
    x: linearScale([xMin, xMax], [x0, x1]),
    y: linearScale([yValues[0]!, yValues[yValues.length - 1]!], [y1, y0]),
    xTicks,
    yTicks: yValues.map((v) => ({ value: v, label: format(v) })),
    legend: entries,
  };
}

export function lineChart(spec: LineChartSpec): string {
  const layout = lineLayout(spec);
  const { frame, x, y } = layout;
  const body: string[] = [
    ...legend(layout.legend, frame.left, 40, frame.width - frame.left - frame.right).markup,
    ...yAxis(frame, y, layout.yTicks, spec.yTitle),
    ...xAxis(frame, x, layout.xTicks, spec.xTitle),
  ];
  spec.series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${px(x(p.x))} ${px(y(p.y))}`).join(' ');
    body.push(el('path', { d, fill: 'none', stroke: colour(i), 'stroke-width': 1.8 }));
    if (spec.dots === true) {
      for (const p of s.points) {
        body.push(el('circle', { cx: x(p.x), cy: y(p.y), r: 2, fill: colour(i) }));
      }
    }
  });
  for (const m of spec.marks ?? []) {
    const c = m.series !== undefined ? colour(m.series) : (m.colour ?? '#000000');
    body.push(marker(m.shape, x(m.x), y(m.y), c));
  }
  return svgDocument({ width: frame.width, height: frame.height, title: spec.title }, body);
}

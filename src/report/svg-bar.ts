/**
 * Horizontal bar charts: one labelled bar per row with its value written after it, or groups of
 * bars (one per series, with a legend) sharing a label and one value axis.
 */
import { plotArea, xAxis, type Frame } from './svg-axis.js';
import { legend, type LegendEntry } from './svg-legend.js';
import { compactNumber, extent, linearScale, niceTicks, type Tick } from './svg-scale.js';
import { colour, el, svgDocument, text, textWidth } from './svg-xml.js';

export interface Bar {
  label: string;
  value: number;
  /** Text after the bar; the formatted value by default. */
  note?: string;
  colour?: string;
}

export interface BarChartSpec {
  title: string;
  bars: readonly Bar[];
  valueTitle?: string;
  format?: (v: number) => string;
  width?: number;
}

/** One row of a grouped chart: a label and one value per series. */
export interface BarGroup {
  label: string;
  /** In the order of the chart's series. */
  values: readonly number[];
  /** Text after each bar; the formatted value by default. */
  notes?: readonly string[];
}

export interface GroupedBarChartSpec {
  title: string;
  /** Series names, for the legend; series i takes palette colour i. */
  series: readonly string[];
  groups: readonly BarGroup[];
  valueTitle?: string;
  format?: (v: number) => string;
  width?: number;
}

export interface BarLayout {
  frame: Frame;
  x: (v: number) => number;
  ticks: Tick[];
  /** Top edge of each bar's row, in the order of `bars`. */
  rowY: number[];
  barHeight: number;
}

export interface GroupedBarLayout {
  frame: Frame;
  x: (v: number) => number;
  ticks: Tick[];
  /** Top edge of each bar: `barY[group][series]`. */
  barY: number[][];
  barHeight: number;
  legend: LegendEntry[];
}

const ROW = 24;
const BAR = 16;
/** A grouped chart's bars are thinner, 2 px apart, with a gap between groups. */
const GROUPED_BAR = 12;
const GROUPED_GAP = 2;
const GROUP_PADDING = 10;
const TITLE_SPACE = 44;
/** A grouped chart's legend sits under the title, from the title's left edge. */
const LEGEND_X = 12;
const AXIS_SPACE = 52;
/** Labels longer than this are shortened with an ellipsis; the table beside the chart has them. */
const MAX_LABEL = 44;

function shorten(label: string): string {
  return label.length <= MAX_LABEL ? label : `${label.slice(0, MAX_LABEL - 1)}…`;
}

/**
 * Frame and value scale for rows of `rowHeight` under `top` pixels: the labels' width sets the
 * left margin, the widest note the right one, and the axis runs over round ticks including zero.
 */
function rows(
  labels: readonly string[],
  values: readonly number[],
  notes: readonly string[],
  rowHeight: number,
  top: number,
  format: (v: number) => string,
  width: number,
) {
  const longest = Math.max(0, ...labels.map((l) => textWidth(shorten(l))));
  const left = Math.min(width / 2, 16 + longest);
  const right = Math.min(width / 3, 16 + Math.max(40, ...notes.map((n) => textWidth(n))));
  const frame: Frame = {
    width,
    height: top + labels.length * rowHeight + AXIS_SPACE,
    left,
    right,
    top,
    bottom: AXIS_SPACE,
  };
  const [lo, hi] = extent(values, [0, 1]);
  const ticks = niceTicks(Math.min(0, lo), Math.max(0, hi), 5);
  const { x0, x1 } = plotArea(frame);
  return {
    frame,
    x: linearScale([ticks[0]!, ticks[ticks.length - 1]!], [x0, x1]),
    ticks: ticks.map((v) => ({ value: v, label: format(v) })),
  };
}

export function barLayout(spec: BarChartSpec): BarLayout {
  const format = spec.format ?? compactNumber;
  const base = rows(
    spec.bars.map((b) => b.label),
    spec.bars.map((b) => b.value),
    spec.bars.map((b) => b.note ?? format(b.value)),
    ROW,
    TITLE_SPACE,
    format,
    spec.width ?? 860,
  );
  const { y0 } = plotArea(base.frame);
  return {
    ...base,
    rowY: spec.bars.map((_, i) => y0 + i * ROW + (ROW - BAR) / 2),
    barHeight: BAR,
  };
}

export function groupedBarLayout(spec: GroupedBarChartSpec): GroupedBarLayout {
  const width = spec.width ?? 860;
  const format = spec.format ?? compactNumber;
  const entries: LegendEntry[] = spec.series.map((name, i) => ({
    label: name,
    colour: colour(i),
    swatch: 'bar',
  }));
  const legendHeight = legend(entries, LEGEND_X, 0, width - 2 * LEGEND_X).height;
  const n = spec.series.length;
  const rowHeight = n * GROUPED_BAR + Math.max(0, n - 1) * GROUPED_GAP + GROUP_PADDING;
  const base = rows(
    spec.groups.map((g) => g.label),
    spec.groups.flatMap((g) => g.values.slice(0, n)),
    spec.groups.flatMap((g) => spec.series.map((_, s) => g.notes?.[s] ?? format(g.values[s] ?? 0))),
    rowHeight,
    TITLE_SPACE + legendHeight,
    format,
    width,
  );
  const { y0 } = plotArea(base.frame);
  return {
    ...base,
    barY: spec.groups.map((_, g) =>
      spec.series.map(
        (_, s) => y0 + g * rowHeight + GROUP_PADDING / 2 + s * (GROUPED_BAR + GROUPED_GAP),
      ),
    ),
    barHeight: GROUPED_BAR,
    legend: entries,
  };
}

/** Vertical grid lines at the ticks. */
function grid(frame: Frame, x: (v: number) => number, ticks: readonly Tick[]): string[] {
  return ticks.map((t) =>
    el('line', {
      x1: x(t.value),
      y1: frame.top,
      x2: x(t.value),
      y2: frame.height - frame.bottom,
      stroke: '#e4e4e4',
    }),
  );
}

/** A bar from zero to `value` with its note after its end. */
function bar(
  x: (v: number) => number,
  y: number,
  height: number,
  value: number,
  note: string,
  fill: string,
): string[] {
  const zero = x(0);
  const end = x(value);
  return [
    el('rect', {
      x: Math.min(zero, end),
      y,
      width: Math.max(1, Math.abs(end - zero)),
      height,
      fill,
    }),
    text(Math.max(zero, end) + 6, y + height / 2 + 4, note),
  ];
}

export function barChart(spec: BarChartSpec): string {
  const layout = barLayout(spec);
  const { frame, x, rowY, barHeight } = layout;
  const format = spec.format ?? compactNumber;
  const body = grid(frame, x, layout.ticks);
  spec.bars.forEach((b, i) => {
    const y = rowY[i]!;
    body.push(
      text(frame.left - 8, y + barHeight / 2 + 4, shorten(b.label), { 'text-anchor': 'end' }),
      ...bar(x, y, barHeight, b.value, b.note ?? format(b.value), b.colour ?? colour(0)),
    );
  });
  body.push(...xAxis(frame, x, layout.ticks, spec.valueTitle));
  return svgDocument({ width: frame.width, height: frame.height, title: spec.title }, body);
}

export function groupedBarChart(spec: GroupedBarChartSpec): string {
  const layout = groupedBarLayout(spec);
  const { frame, x, barY, barHeight } = layout;
  const format = spec.format ?? compactNumber;
  const body = [
    ...legend(layout.legend, LEGEND_X, 40, frame.width - 2 * LEGEND_X).markup,
    ...grid(frame, x, layout.ticks),
  ];
  spec.groups.forEach((g, i) => {
    const ys = barY[i]!;
    const middle = (ys[0]! + ys[ys.length - 1]! + barHeight) / 2;
    body.push(text(frame.left - 8, middle + 4, shorten(g.label), { 'text-anchor': 'end' }));
    spec.series.forEach((_, s) => {
      const value = g.values[s] ?? 0;
      body.push(...bar(x, ys[s]!, barHeight, value, g.notes?.[s] ?? format(value), colour(s)));
    });
  });
  body.push(...xAxis(frame, x, layout.ticks, spec.valueTitle));
  return svgDocument({ width: frame.width, height: frame.height, title: spec.title }, body);
}

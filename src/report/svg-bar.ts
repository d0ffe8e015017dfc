/** Horizontal bar chart: one labelled bar per row, its value written after it. */
import { plotArea, xAxis, type Frame } from './svg-axis.js';
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

export interface BarLayout {
  frame: Frame;
  x: (v: number) => number;
  ticks: Tick[];
  /** Top edge of each bar's row, in the order of `bars`. */
  rowY: number[];
  barHeight: number;
}

const ROW = 24;
const BAR = 16;
/** Labels longer than this are shortened with an ellipsis; the table beside the chart has them. */
const MAX_LABEL = 44;

function shorten(label: string): string {
  return label.length <= MAX_LABEL ? label : `${label.slice(0, MAX_LABEL - 1)}…`;
}

export function barLayout(spec: BarChartSpec): BarLayout {
  const width = spec.width ?? 860;
  const longest = Math.max(0, ...spec.bars.map((b) => textWidth(shorten(b.label))));
  const left = Math.min(width / 2, 16 + longest);
  const format = spec.format ?? compactNumber;
  // Room after the bars for the widest value note.
  const notes = spec.bars.map((b) => textWidth(b.note ?? format(b.value)));
  const right = Math.min(width / 3, 16 + Math.max(40, ...notes));
  const frame: Frame = {
    width,
    height: 44 + spec.bars.length * ROW + 52,
    left,
    right,
    top: 44,
    bottom: 52,
  };
  const [lo, hi] = extent(
    spec.bars.map((b) => b.value),
    [0, 1],
  );
  const values = niceTicks(Math.min(0, lo), Math.max(0, hi), 5);
  const { x0, x1, y0 } = plotArea(frame);
  return {
    frame,
    x: linearScale([values[0]!, values[values.length - 1]!], [x0, x1]),
    ticks: values.map((v) => ({ value: v, label: format(v) })),
    rowY: spec.bars.map((_, i) => y0 + i * ROW + (ROW - BAR) / 2),
    barHeight: BAR,
  };
}

export function barChart(spec: BarChartSpec): string {
  const layout = barLayout(spec);
  const { frame, x, rowY, barHeight } = layout;
  const format = spec.format ?? compactNumber;
  const body: string[] = [];
  for (const t of layout.ticks) {
    const px = x(t.value);
    body.push(
      el('line', {
        x1: px,
        y1: frame.top,
        x2: px,
        y2: frame.height - frame.bottom,
        stroke: '#e4e4e4',
      }),
    );
  }
  const zero = x(0);
  spec.bars.forEach((b, i) => {
    const y = rowY[i]!;
    const end = x(b.value);
    body.push(
      text(frame.left - 8, y + barHeight - 4, shorten(b.label), { 'text-anchor': 'end' }),
      el('rect', {
        x: Math.min(zero, end),
        y,
        width: Math.max(1, Math.abs(end - zero)),
        height: barHeight,
        fill: b.colour ?? colour(0),
      }),
      text(Math.max(zero, end) + 6, y + barHeight - 4, b.note ?? format(b.value)),
    );
  });
  body.push(...xAxis(frame, x, layout.ticks, spec.valueTitle));
  return svgDocument({ width: frame.width, height: frame.height, title: spec.title }, body);
}

/** The plot area of a chart and its axes: tick marks, grid lines, tick labels, axis titles. */
import { el, px, text } from './svg-xml.js';
import type { Tick } from './svg-scale.js';

/** Pixel bounds of the plot area inside a chart of `width` × `height`. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** x of the plot area's left and right edges, y of its top and bottom edges. */
export function plotArea(f: Frame): { x0: number; x1: number; y0: number; y1: number } {
  return { x0: f.left, x1: f.width - f.right, y0: f.top, y1: f.height - f.bottom };
}

const AXIS = '#444444';
const GRID = '#e4e4e4';

/** Left axis: a grid line and a label per tick, the axis title turned along the axis. */
export function yAxis(f: Frame, y: (v: number) => number, ticks: readonly Tick[], title?: string) {
  const { x0, x1, y0, y1 } = plotArea(f);
  const out: string[] = [];
  for (const t of ticks) {
    const py = y(t.value);
    out.push(
      el('line', { x1: x0, y1: py, x2: x1, y2: py, stroke: GRID }),
      text(x0 - 6, py + 4, t.label, { 'text-anchor': 'end', fill: AXIS }),
    );
  }
  out.push(el('line', { x1: x0, y1: y0, x2: x0, y2: y1, stroke: AXIS }));
  if (title !== undefined) {
    const cy = (y0 + y1) / 2;
    out.push(
      text(14, cy, title, {
        'text-anchor': 'middle',
        fill: AXIS,
        transform: `rotate(-90 14 ${px(cy)})`,
      }),
    );
  }
  return out;
}

/** Bottom axis: a tick mark and a label per tick, the axis title under them. */
export function xAxis(f: Frame, x: (v: number) => number, ticks: readonly Tick[], title?: string) {
  const { x0, x1, y1 } = plotArea(f);
  const out: string[] = [el('line', { x1: x0, y1, x2: x1, y2: y1, stroke: AXIS })];
  for (const t of ticks) {
    const px = x(t.value);
    out.push(
      el('line', { x1: px, y1, x2: px, y2: y1 + 5, stroke: AXIS }),
      text(px, y1 + 18, t.label, { 'text-anchor': 'middle', fill: AXIS }),
    );
  }
  if (title !== undefined) {
    out.push(text((x0 + x1) / 2, y1 + 36, title, { 'text-anchor': 'middle', fill: AXIS }));
  }
  return out;
}

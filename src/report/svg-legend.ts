/** A chart legend: swatches with labels in rows under the title, wrapped to the chart width. */
import { el, px, text, textWidth } from './svg-xml.js';

export type MarkShape = 'circle' | 'up' | 'down';

export interface LegendEntry {
  label: string;
  colour: string;
  /** A line swatch (a series) or a marker shape (marked points). */
  swatch: 'line' | 'bar' | MarkShape;
}

const ROW = 18;

/** A marker centred on (x, y). */
export function marker(shape: MarkShape, x: number, y: number, colour: string): string {
  if (shape === 'circle') {
    return el('circle', { cx: x, cy: y, r: 4, fill: colour, stroke: 'white', 'stroke-width': 1 });
  }
  const d = shape === 'up' ? -1 : 1;
  const points = [
    [x, y + 5 * d],
    [x - 5, y - 4 * d],
    [x + 5, y - 4 * d],
  ];
  return el('polygon', {
    points: points.map(([a, b]) => `${px(a!)},${px(b!)}`).join(' '),
    fill: colour,
    stroke: 'white',
    'stroke-width': 1,
  });
}

/** Places the entries from (x, y) on; returns the markup and the height used. */
export function legend(
  entries: readonly LegendEntry[],
  x: number,
  y: number,
  maxWidth: number,
): { markup: string[]; height: number } {
  if (entries.length === 0) return { markup: [], height: 0 };
  const markup: string[] = [];
  let cx = x;
  let cy = y;
  for (const e of entries) {
    const w = 22 + textWidth(e.label) + 18;
    if (cx > x && cx + w > x + maxWidth) {
      cx = x;
      cy += ROW;
    }
    if (e.swatch === 'line') {
      markup.push(
        el('line', { x1: cx, y1: cy, x2: cx + 16, y2: cy, stroke: e.colour, 'stroke-width': 2.5 }),
      );
    } else if (e.swatch === 'bar') {
      markup.push(el('rect', { x: cx + 2, y: cy - 5, width: 12, height: 10, fill: e.colour }));
    } else markup.push(marker(e.swatch, cx + 8, cy, e.colour));
    markup.push(text(cx + 22, cy + 4, e.label));
    cx += w;
  }
  return { markup, height: cy - y + ROW };
}

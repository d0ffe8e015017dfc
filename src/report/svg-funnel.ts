/**
 * Funnel chart: one centred bar per step, its width proportional to the step's count (linear,
 * so a 2% purchase step looks as small as it is), the count and the conversion from the step
 * above written beside it.
 */
import { compactNumber } from './svg-scale.js';
import { colour, el, svgDocument, text } from './svg-xml.js';

export interface FunnelStep {
  label: string;
  value: number;
  /** Extra words after the count, e.g. distinct users. */
  note?: string;
}

export interface FunnelChartSpec {
  title: string;
  steps: readonly FunnelStep[];
  format?: (v: number) => string;
  width?: number;
}

export interface FunnelRow {
  x: number;
  y: number;
  width: number;
  height: number;
}

const LABELS = 120;
const NUMBERS = 300;
const ROW = 56;
const BAR = 34;
const TOP = 48;

/** Each step's bar; the first non-empty step (or the largest) spans the bar area. */
export function funnelLayout(spec: FunnelChartSpec): {
  width: number;
  height: number;
  rows: FunnelRow[];
} {
  const width = spec.width ?? 860;
  const area = width - LABELS - NUMBERS;
  const top = Math.max(0, ...spec.steps.map((s) => s.value));
  const centre = LABELS + area / 2;
  const rows = spec.steps.map((s, i) => {
    const w = top === 0 ? 0 : Math.max(1, (s.value / top) * area);
    return { x: centre - w / 2, y: TOP + i * ROW, width: w, height: BAR };
  });
  return { width, height: TOP + spec.steps.length * ROW + 12, rows };
}

function percent(r: number): string {
  const p = r * 100;
  return `${p >= 10 ? p.toFixed(0) : p >= 1 ? p.toFixed(1) : p.toFixed(2)}%`;
}

export function funnelChart(spec: FunnelChartSpec): string {
  const layout = funnelLayout(spec);
  const format = spec.format ?? compactNumber;
  const body: string[] = [];
  spec.steps.forEach((s, i) => {
    const r = layout.rows[i]!;
    const mid = r.y + r.height / 2 + 4;
    body.push(
      text(LABELS - 10, mid, s.label, { 'text-anchor': 'end', 'font-weight': 'bold' }),
      el('rect', { x: r.x, y: r.y, width: r.width, height: r.height, fill: colour(i) }),
    );
    const prev = i === 0 ? undefined : spec.steps[i - 1]!.value;
    const conversion =
      prev === undefined || prev === 0
        ? ''
        : ` · ${percent(s.value / prev)} of ${spec.steps[i - 1]!.label}`;
    const note = s.note === undefined ? '' : ` (${s.note})`;
    body.push(text(layout.width - NUMBERS + 10, mid, `${format(s.value)}${note}${conversion}`));
  });
  return svgDocument({ width: layout.width, height: layout.height, title: spec.title }, body);
}

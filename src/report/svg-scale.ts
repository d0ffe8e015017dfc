/** Value → pixel mapping and axis ticks for the report's charts. */

/** Maps `domain` linearly onto `range`; a zero-width domain maps everything to the range's middle. */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** Smallest and largest of `values` (a loop: spreading large arrays into Math.min overflows). */
export function extent(
  values: Iterable<number>,
  empty: [number, number] = [0, 1],
): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? empty : [lo, hi];
}

/** The 1-2-5 step that gives about `count` intervals over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const f = raw / magnitude;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * magnitude;
}

/** Rounds away the float noise of `i · step` (0.30000000000000004 → 0.3). */
function clean(v: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(Math.min(20, decimals)));
}

/**
 * Round tick values covering [min, max] with about `count` intervals: the first tick at or below
 * `min`, the last at or above `max`, so the ticks can serve as the axis domain.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error('ticks: bounds not finite');
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) / 2;
    return niceTicks(min - pad, max + pad, count);
  }
  const step = niceStep(max - min, count);
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const out: number[] = [];
  for (let i = first; i <= last; i++) out.push(clean(i * step, step));
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_MS = 86_400_000;

export interface Tick {
  value: number;
  label: string;
}

/**
 * Ticks for a time axis in UTC epoch ms: month starts over long spans (the year on January and
 * on the first tick), Mondays over weeks, days over a fortnight or less.
 */
export function timeTicks(min: number, max: number): Tick[] {
  const span = max - min;
  const out: Tick[] = [];
  if (span > 75 * DAY_MS) {
    const start = new Date(min);
    let y = start.getUTCFullYear();
    let m = start.getUTCMonth() + (start.getUTCDate() === 1 && start.getUTCHours() === 0 ? 0 : 1);
    const every = span > 800 * DAY_MS ? 3 : 1;
    for (;;) {
      if (m > 11) {
        y += Math.floor(m / 12);
        m %= 12;
      }
      const t = Date.UTC(y, m, 1);
      if (t > max) break;
      const label = out.length === 0 || m === 0 ? `${MONTHS[m]} ${y}` : MONTHS[m]!;
      out.push({ value: t, label });
      m += every;
    }
    return out;
  }
  const step = span > 14 * DAY_MS ? 7 * DAY_MS : DAY_MS;
  let t = Math.ceil(min / DAY_MS) * DAY_MS;
  // Weeks start on Monday; 1970-01-01 was a Thursday.
  if (step > DAY_MS) while (new Date(t).getUTCDay() !== 1) t += DAY_MS;
  for (; t <= max; t += step) {
    const d = new Date(t);
    out.push({ value: t, label: `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}` });
  }
  return out;
}

/** Short axis numbers: 1,200 → 1.2k, 3,000,000 → 3M, 0.25 → 0.25, −2 with a real minus. */
export function compactNumber(v: number): string {
  const a = Math.abs(v);
  const trim = (x: number, d: number) => String(Number(x.toFixed(d))).replace('-', '−');
  if (a >= 1e9) return `${trim(v / 1e9, 1)}G`;
  if (a >= 1e6) return `${trim(v / 1e6, 1)}M`;
  if (a >= 1e4) return `${trim(v / 1e3, 0)}k`;
  if (a >= 1e3) return `${trim(v / 1e3, 1)}k`;
  return trim(v, 3);
}

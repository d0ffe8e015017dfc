/**
 * Markdown building blocks for generated reports, written the way prettier would format them,
 * so a generated file passes `prettier --check` unchanged and diffs stay small between runs.
 */

export type Align = 'left' | 'right';

/**
 * Display width as prettier measures it for table alignment: wide East Asian characters count
 * two columns, combining marks none, the rest one.
 */
function width(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x300 && c <= 0x36f) continue;
    const wide =
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x1f300 && c <= 0x1faff) ||
      (c >= 0x20000 && c <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

/** Table cell text: pipes escaped, line breaks flattened. */
export function cell(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').trim();
}

/** A table with padded columns; `align` per column, left by default. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const cells = [header, ...rows].map((r) => header.map((_, i) => cell(r[i] ?? '')));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((r) => width(r[i]!))));
  const pad = (s: string, i: number) => {
    const gap = ' '.repeat(widths[i]! - width(s));
    return align[i] === 'right' ? gap + s : s + gap;
  };
  const line = (r: readonly string[]) => `| ${r.map(pad).join(' | ')} |`;
  const rule = widths.map((w, i) =>
    align[i] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w),
  );
  return [line(cells[0]!), `| ${rule.join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}

/** 1234567 → "1,234,567"; fractions rounded to `decimals`. */
export function int(v: number, decimals = 0): string {
  const fixed = Math.abs(v).toFixed(decimals);
  const [whole, frac] = fixed.split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = v < 0 && Number(fixed) !== 0 ? '−' : '';
  return `${sign}${grouped}${frac === undefined ? '' : `.${frac}`}`;
}

/** A fixed number of decimals with a real minus sign. */
export function fixed(v: number, decimals: number): string {
  return int(v, decimals);
}

/** `3 weeks`, `1 week`: a count with its noun (plural by adding s). */
export function plural(n: number, noun: string): string {
  return `${int(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** 0.0593 → "5.9%". */
export function percent(r: number, decimals = 1): string {
  return `${int(r * 100, decimals)}%`;
}

/** Pounds sterling, whole. */
export function pounds(v: number): string {
  return `£${int(v)}`;
}

/** UTC date, `2011-12-09`. */
export function date(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

/** UTC date and minute, `2011-12-09 12:50`. */
export function minute(ts: number): string {
  return new Date(ts).toISOString().slice(0, 16).replace('T', ' ');
}

/** Weekday names by `Date.getUTCDay()`. */
export const WEEKDAYS: readonly string[] = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Weekday names in the plural (`no sales on Saturdays`), by `Date.getUTCDay()`. */
export const WEEKDAYS_PLURAL: readonly string[] = [
  'Sundays',
  'Mondays',
  'Tuesdays',
  'Wednesdays',
  'Thursdays',
  'Fridays',
  'Saturdays',
];

/** Weekday of a UTC time, `Mon`. */
export function weekday(ts: number): string {
  return WEEKDAYS[new Date(ts).getUTCDay()]!;
}

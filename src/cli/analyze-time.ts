/** Calendar buckets of stream time for the analysis: UTC days and weeks starting on Monday. */

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
/** A Monday at 00:00 UTC (1970-01-05), the origin of week numbers. */
const MONDAY = 4 * DAY_MS;

export function dayStart(ts: number): number {
  return Math.floor(ts / DAY_MS) * DAY_MS;
}

export function weekStart(ts: number): number {
  return Math.floor((ts - MONDAY) / WEEK_MS) * WEEK_MS + MONDAY;
}

/** Starts of the buckets from the one holding `from` to the one holding `to`, empty ones too. */
export function buckets(from: number, to: number, start: (ts: number) => number, step: number) {
  const out: number[] = [];
  for (let t = start(from); t <= to; t += step) out.push(t);
  return out;
}

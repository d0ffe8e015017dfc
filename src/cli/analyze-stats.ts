/**
 * Order statistics the report computes itself, over numbers the engine does not summarise. The
 * two differ on purpose: `median` is a count's middle value, `quantile` interpolates between
 * estimates.
 */

/**
 * The middle value, the upper of the two middle ones for an even count; 0 for none. Sorts a
 * copy: O(n log n).
 */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
}

/**
 * The `q`-quantile (0 to 1) of values sorted ascending, interpolated linearly between the two
 * nearest ranks; NaN for none. O(1).
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (i - lo);
}

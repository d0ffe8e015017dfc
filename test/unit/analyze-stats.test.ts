/**
 * The report's own order statistics: the middle of a count (`median`) and interpolated quantiles
 * of estimates (`quantile`).
 */
import { describe, expect, it } from 'vitest';
import { median, quantile } from '../../src/cli/analyze-stats.js';

describe('analyze statistics', () => {
  it.each([
    { values: [], median: 0 },
    { values: [7], median: 7 },
    { values: [3, 1, 2], median: 2 },
    { values: [4, 1, 3, 2], median: 3 },
    { values: [5, 5, 1, 9, 5], median: 5 },
  ])('median of $values is $median', ({ values, median: expected }) => {
    const copy = [...values];
    expect(median(values)).toBe(expected);
    expect(values).toEqual(copy);
  });

  it.each([
    { sorted: [1, 2, 3, 4], q: 0.5, expected: 2.5 },
    { sorted: [1, 2, 3, 4], q: 0.25, expected: 1.75 },
    { sorted: [1, 2, 3, 4], q: 0, expected: 1 },
    { sorted: [1, 2, 3, 4], q: 1, expected: 4 },
    { sorted: [-2], q: 0.75, expected: -2 },
  ])('quantile $q of $sorted is $expected', ({ sorted, q, expected }) => {
    expect(quantile(sorted, q)).toBeCloseTo(expected, 12);
  });

  it('has no quantile of nothing', () => {
    expect(quantile([], 0.5)).toBeNaN();
  });
});

import { describe, expect, it } from 'vitest';
import {
  compactNumber,
  extent,
  linearScale,
  niceTicks,
  timeTicks,
} from '../../../src/report/svg-scale.js';

describe('svg-scale', () => {
  it('maps a domain linearly onto a range, inverted ranges included', () => {
    const x = linearScale([10, 20], [100, 300]);
    expect(x(10)).toBe(100);
    expect(x(15)).toBe(200);
    expect(x(20)).toBe(300);
    const y = linearScale([0, 50], [250, 50]);
    expect(y(0)).toBe(250);
    expect(y(50)).toBe(50);
    expect(y(25)).toBe(150);
    expect(linearScale([5, 5], [0, 10])(5)).toBe(5);
  });

  it.each([
    [0, 97, [0, 20, 40, 60, 80, 100]],
    [0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [-5.55, 2.99, [-6, -4, -2, 0, 2, 4]],
    [0.1, 0.3, [0.1, 0.15, 0.2, 0.25, 0.3]],
    [3, 3, [1, 2, 3, 4, 5]],
    [0, 0, [-1, -0.5, 0, 0.5, 1]],
  ])('ticks %d..%d are round and cover the range', (lo, hi, ticks) => {
    expect(niceTicks(lo, hi, 5)).toEqual(ticks);
  });

  it('ticks months over a year and Mondays over a month', () => {
    const months = timeTicks(Date.UTC(2010, 11, 1, 8), Date.UTC(2011, 11, 9));
    expect(months[0]).toEqual({ value: Date.UTC(2011, 0, 1), label: 'Jan 2011' });
    expect(months.map((t) => t.label).slice(1, 3)).toEqual(['Feb', 'Mar']);
    expect(months[months.length - 1]!.value).toBe(Date.UTC(2011, 11, 1));
    const weeks = timeTicks(Date.UTC(2017, 10, 1), Date.UTC(2017, 11, 3));
    expect(weeks.every((t) => new Date(t.value).getUTCDay() === 1)).toBe(true);
    expect(weeks[0]!.label).toBe('Nov 6');
  });

  it('writes short axis numbers with a real minus sign', () => {
    expect([0, 0.25, 950, 1200, 25_000, 3_000_000, -2].map(compactNumber)).toEqual([
      '0',
      '0.25',
      '950',
      '1.2k',
      '25k',
      '3M',
      '−2',
    ]);
  });

  it('finds the extent of large inputs without spreading them', () => {
    const big = Array.from({ length: 300_000 }, (_, i) => i - 7);
    expect(extent(big)).toEqual([-7, 299_992]);
    expect(extent([], [0, 1])).toEqual([0, 1]);
  });
});

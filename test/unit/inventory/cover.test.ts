import { describe, expect, it } from 'vitest';
import {
  daysOfCover,
  lnGamma,
  orderQuantity,
  poissonCdf,
  poissonMass,
  poissonQuantile,
  poissonTail,
  reorderPoint,
  stockoutRisk,
} from '../../../engine/inventory/cover.js';

/** ln j! for j ≤ n, summed with compensation so the reference is good to ~1e-15 relative. */
function logFactorials(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  let sum = 0;
  let carry = 0;
  for (let j = 1; j <= n; j++) {
    const y = Math.log(j) - carry;
    const t = sum + y;
    carry = t - sum - y;
    sum = t;
    out[j] = sum;
  }
  return out;
}

/** P(X ≥ k) by log-space summation of the mass function over ±60σ: slow, but obviously right. */
function referenceTail(k: number, lambda: number): number {
  const sd = Math.sqrt(lambda);
  const top = Math.ceil(lambda + 60 * sd + 100);
  const lf = logFactorials(top);
  const logMass = (j: number) => -lambda + j * Math.log(lambda) - lf[j]!;
  // Sum the smaller side directly, so a tail of 1e-30 is a sum, not 1 − (1 − 1e-30).
  const upper = k > lambda;
  const from = upper ? k : Math.max(0, Math.floor(lambda - 60 * sd - 100));
  const to = upper ? top : k - 1;
  let peak = -Infinity;
  for (let j = from; j <= to; j++) peak = Math.max(peak, logMass(j));
  let s = 0;
  for (let j = from; j <= to; j++) s += Math.exp(logMass(j) - peak);
  const side = from > to ? 0 : Math.exp(peak) * s;
  return upper ? side : 1 - side;
}

function bruteQuantile(p: number, lambda: number): number {
  let mass = Math.exp(-lambda);
  let cdf = mass;
  let s = 0;
  while (cdf < p) {
    s++;
    mass *= lambda / s;
    cdf += mass;
  }
  return s;
}

describe('Poisson functions', () => {
  it('lnGamma matches log factorials and Γ(½)', () => {
    const lf = logFactorials(200);
    for (const n of [1, 2, 5, 10, 50, 200]) {
      expect(lnGamma(n + 1)).toBeCloseTo(lf[n]!, 10);
    }
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });

  it('mass sums to 1 and matches the textbook formula for small λ', () => {
    for (const lambda of [0.2, 3, 17]) {
      let total = 0;
      let direct = Math.exp(-lambda);
      for (let k = 0; k < 200; k++) {
        if (k > 0) direct *= lambda / k;
        const m = poissonMass(k, lambda);
        expect(Math.abs(m - direct)).toBeLessThanOrEqual(1e-12 * direct + 1e-300);
        total += m;
      }
      expect(total).toBeCloseTo(1, 12);
    }
  });

  it('tail matches a direct sum for small λ', () => {
    for (const lambda of [0.01, 0.5, 3, 7, 25]) {
      for (let k = 0; k <= 60; k++) {
        const want = referenceTail(k, lambda);
        const got = poissonTail(k, lambda);
        expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-11 * want + 1e-300);
        // P(X ≤ k) + P(X ≥ k + 1) = 1.
        expect(poissonCdf(k, lambda) + poissonTail(k + 1, lambda)).toBeCloseTo(1, 12);
      }
    }
  });

  it('tail matches log-space summation for large λ, far tails included', () => {
    for (const lambda of [1000, 5000, 100_000]) {
      const sd = Math.sqrt(lambda);
      for (const z of [-8, -3, -1, 0, 0.5, 1, 3, 6, 10]) {
        const k = Math.round(lambda + z * sd);
        const want = referenceTail(k, lambda);
        const got = poissonTail(k, lambda);
        expect(want).toBeGreaterThan(0);
        expect(Math.abs(got - want) / want).toBeLessThan(1e-7);
      }
    }
  });

  it('tail handles edges without throwing', () => {
    expect(poissonTail(0, 5)).toBe(1);
    expect(poissonTail(-3, 5)).toBe(1);
    expect(poissonTail(1, 0)).toBe(0);
    expect(poissonTail(0, 0)).toBe(1);
    expect(poissonTail(2.2, 1)).toBe(poissonTail(3, 1));
    expect(poissonTail(Infinity, 5)).toBe(0);
    expect(poissonTail(5, Infinity)).toBe(1);
    expect(poissonTail(Number.NaN, 5)).toBeNaN();
    expect(poissonTail(5, Number.NaN)).toBeNaN();
    expect(poissonTail(1, -1)).toBe(0);
    // Far past any mass: 0, not NaN.
    expect(poissonTail(1e7, 10)).toBe(0);
    expect(poissonTail(10, 1e7)).toBe(1);
  });

  it('quantile matches a brute-force cumulative sum', () => {
    for (const lambda of [0.05, 0.7, 2, 7, 14, 49.5, 150]) {
      for (const p of [0.01, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999]) {
        expect(poissonQuantile(p, lambda)).toBe(bruteQuantile(p, lambda));
      }
    }
    expect(poissonQuantile(0.95, 0)).toBe(0);
    expect(poissonQuantile(0, 5)).toBe(0);
    expect(poissonQuantile(1, 5)).toBe(Infinity);
    expect(poissonQuantile(Number.NaN, 5)).toBeNaN();
  });

  it('quantile is the smallest s with cdf(s) ≥ p for large λ', () => {
    for (const lambda of [2000, 1e6]) {
      for (const p of [0.5, 0.95, 0.9999]) {
        const s = poissonQuantile(p, lambda);
        expect(poissonCdf(s, lambda)).toBeGreaterThanOrEqual(p);
        expect(poissonCdf(s - 1, lambda)).toBeLessThan(p);
      }
    }
  });
});

describe('cover measures', () => {
  it('days of cover', () => {
    expect(daysOfCover(100, 5)).toBe(20);
    expect(daysOfCover(100, 0)).toBe(Infinity);
    expect(daysOfCover(100, Number.NaN)).toBe(Infinity);
    expect(daysOfCover(0, 5)).toBe(0);
    expect(daysOfCover(-4, 5)).toBe(0);
    expect(daysOfCover(undefined, 5)).toBeUndefined();
  });

  it('stockout risk is the lead-time tail, and at zero the chance of any demand', () => {
    expect(stockoutRisk(10, 1, 7)).toBeCloseTo(referenceTail(10, 7), 12);
    expect(stockoutRisk(0, 1, 7)).toBeCloseTo(1 - Math.exp(-7), 12);
    expect(stockoutRisk(-5, 1, 7)).toBeCloseTo(1 - Math.exp(-7), 12);
    expect(stockoutRisk(10, 0, 7)).toBe(0);
    expect(stockoutRisk(0, 0, 7)).toBe(0);
    expect(stockoutRisk(10, Number.NaN, 7)).toBe(0);
  });

  it('reorder point and order quantity', () => {
    expect(reorderPoint(1, 7, 0.95)).toBe(bruteQuantile(0.95, 7));
    expect(reorderPoint(0, 7, 0.95)).toBe(0);
    // 2/day over 7 + 14 days is 42 units.
    expect(orderQuantity(10, 2, 7, 14)).toBe(32);
    expect(orderQuantity(42, 2, 7, 14)).toBe(0);
    expect(orderQuantity(500, 2, 7, 14)).toBe(0);
    expect(orderQuantity(-8, 2, 7, 14)).toBe(50);
    expect(orderQuantity(10, 0, 7, 14)).toBe(0);
    expect(orderQuantity(10, 0.1, 7, 14)).toBe(0);
    // 1.1 · 50 is 55.00000000000001 in f64; the order is still 55.
    expect(orderQuantity(0, 1.1, 25, 25)).toBe(55);
  });
});

/**
 * Days of cover, stockout risk, reorder point and order quantity from a level and a sales
 * velocity, demand over a lead time being Poisson.
 *
 * The Poisson tail is summed as one positive series from whichever side of the mean the level
 * is on, starting from the probability mass at the level computed in Loader's saddle-point form.
 * No term ever cancels against another and no factorial is formed, so the result keeps about 14
 * significant digits from λ = 1e-6 to 1e8, tiny tails included, where summing e^−λ λ^j / j! from
 * zero underflows past λ ≈ 745 and a normal approximation is off by whole percent in the tail.
 */

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);
/** Relative size at which a series term no longer changes the sum. */
const EPS = 1e-17;
/** Lets a product of (days × units/day) that should be a whole number round to it. */
const ROUNDING_SLACK = 1e-9;

// Lanczos approximation, g = 7, n = 9: about 15 significant digits for x ≥ 0.5.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln Γ(n + 1) − ln(√(2π) n^(n+½) e^−n): Stirling's error, without the cancellation. */
function stirlingError(n: number): number {
  if (n <= 15) return lnGamma(n + 1) - (n + 0.5) * Math.log(n) + n - LN_SQRT_2PI;
  const nn = n * n;
  return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * nn)) / nn) / nn) / nn) / n;
}

/** x ln(x/m) + m − x, accurate when x and m are close (Loader's bd0). */
function deviance(x: number, m: number): number {
  if (Math.abs(x - m) < 0.1 * (x + m)) {
    let v = (x - m) / (x + m);
    let s = (x - m) * v;
    let ej = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      ej *= v;
      const next = s + ej / (2 * j + 1);
      if (next === s) return next;
      s = next;
    }
    return s;
  }
  return x * Math.log(x / m) + m - x;
}

/** P(X = k) for X ~ Poisson(λ), k ≥ 0 (any real k: the gamma-density form). */
export function poissonMass(k: number, lambda: number): number {
  if (Number.isNaN(k) || Number.isNaN(lambda)) return Number.NaN;
  if (k < 0 || lambda < 0) return 0;
  if (lambda === 0) return k === 0 ? 1 : 0;
  if (lambda === Infinity || k === Infinity) return 0;
  if (k === 0) return Math.exp(-lambda);
  return Math.exp(-stirlingError(k) - deviance(k, lambda)) / (SQRT_2PI * Math.sqrt(k));
}

/**
 * P(X ≥ k) for X ~ Poisson(λ). A fractional k is rounded up (X is a whole number). NaN for a
 * NaN argument; λ ≤ 0 means no demand at all.
 */
export function poissonTail(k: number, lambda: number): number {
  if (Number.isNaN(k) || Number.isNaN(lambda)) return Number.NaN;
  const n = Math.ceil(k);
  if (n <= 0) return 1;
  if (!(lambda > 0)) return 0;
  if (n === Infinity) return 0;
  if (lambda === Infinity) return 1;
  if (n > lambda) return upperSum(n, lambda);
  // The level is at or below the mean: the tail is at least about ½, so 1 − CDF loses nothing.
  return Math.max(0, 1 - lowerSum(n - 1, lambda));
}

/** P(X ≤ k) for X ~ Poisson(λ). */
export function poissonCdf(k: number, lambda: number): number {
  if (Number.isNaN(k) || Number.isNaN(lambda)) return Number.NaN;
  const n = Math.floor(k);
  if (n < 0) return 0;
  if (!(lambda > 0) || n === Infinity) return 1;
  if (lambda === Infinity) return 0;
  if (n < lambda) return lowerSum(n, lambda);
  return Math.max(0, 1 - upperSum(n + 1, lambda));
}

/** Σ_{j ≥ n} P(X = j), for n > λ: each term is the last times λ/(j+1) < 1. */
function upperSum(n: number, lambda: number): number {
  const first = poissonMass(n, lambda);
  if (first === 0) return 0;
  let sum = 1;
  let term = 1;
  for (let j = n + 1; ; j++) {
    term *= lambda / j;
    sum += term;
    if (term < sum * EPS) break;
  }
  return Math.min(1, first * sum);
}

/** Σ_{j ≤ n} P(X = j), for n < λ: each term is the last times j/λ < 1, and it stops at 0. */
function lowerSum(n: number, lambda: number): number {
  const first = poissonMass(n, lambda);
  if (first === 0) return 0;
  let sum = 1;
  let term = 1;
  for (let j = n; j > 0; j--) {
    term *= j / lambda;
    sum += term;
    if (term < sum * EPS) break;
  }
  return Math.min(1, first * sum);
}

/**
 * Smallest s ≥ 0 with P(X ≤ s) ≥ p for X ~ Poisson(λ). 0 for p ≤ 0 or λ ≤ 0, Infinity for
 * p ≥ 1, NaN for a NaN argument. O(√λ · log λ).
 */
export function poissonQuantile(p: number, lambda: number): number {
  if (Number.isNaN(p) || Number.isNaN(lambda)) return Number.NaN;
  if (p <= 0 || !(lambda > 0)) return 0;
  if (p >= 1 || lambda === Infinity) return Infinity;
  // Invariant: cdf(lo) < p ≤ cdf(hi). Start from a bracket ±10σ around the mean.
  const sd = Math.sqrt(lambda);
  let lo = Math.max(-1, Math.floor(lambda - 10 * sd) - 1);
  if (lo >= 0 && poissonCdf(lo, lambda) >= p) lo = -1;
  let hi = Math.ceil(lambda + 10 * sd + 10);
  while (poissonCdf(hi, lambda) < p) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (poissonCdf(mid, lambda) >= p) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Days the level lasts at this velocity: undefined when the level is unknown, 0 at or below
 * zero, Infinity when nothing sells (or the velocity is not a number).
 */
export function daysOfCover(level: number | undefined, velocityPerDay: number): number | undefined {
  if (level === undefined || Number.isNaN(level)) return undefined;
  if (level <= 0) return 0;
  if (!(velocityPerDay > 0)) return Infinity;
  return level / velocityPerDay;
}

/**
 * Probability that demand over the lead time takes the whole level, P(D ≥ level) with
 * D ~ Poisson(velocity · lead time). At or below zero the item is already out, and the risk is
 * that anyone asks for it at all, P(D ≥ 1), so a dead item at zero is not an emergency. 0 when
 * nothing sells.
 */
export function stockoutRisk(level: number, velocityPerDay: number, leadTimeDays: number): number {
  if (Number.isNaN(level)) return Number.NaN;
  const lambda = velocityPerDay * leadTimeDays;
  if (!(lambda > 0)) return 0;
  return poissonTail(Math.max(level, 1), lambda);
}

/** Smallest level whose lead-time demand stays within it with probability `serviceLevel`. */
export function reorderPoint(
  velocityPerDay: number,
  leadTimeDays: number,
  serviceLevel: number,
): number {
  const lambda = velocityPerDay * leadTimeDays;
  if (!(lambda > 0)) return 0;
  return poissonQuantile(serviceLevel, lambda);
}

/**
 * Units to order now so the level covers the expected demand over the lead time and the review
 * period that follows (the next chance to order); never negative.
 */
export function orderQuantity(
  level: number,
  velocityPerDay: number,
  leadTimeDays: number,
  reviewPeriodDays: number,
): number {
  const demand = velocityPerDay * (leadTimeDays + reviewPeriodDays);
  if (!(demand > 0) || Number.isNaN(level)) return 0;
  return Math.max(0, Math.ceil(demand - level - ROUNDING_SLACK));
}

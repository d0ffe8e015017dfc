/**
 * Own-price elasticity of demand from an item's sales history: the slope of a log-log regression
 * of units sold per period on the price of the period,
 *
 *     log(units_t) = a + e · log(price_t) [+ b · t] + noise,
 *
 * so that e is the percentage change in units for a 1% change in price (-1.5: a 10% cut sells
 * about 15% more). Ordinary least squares; the 95% interval uses the Student-t quantile with the
 * residual degrees of freedom.
 *
 * The data must be able to carry an estimate, otherwise the answer is a refusal with the reason:
 * - enough periods (`minPeriods`);
 * - real price variation: prices within `levelTolerance` of each other form one price level; at
 *   least `minLevels` levels must each hold `minPeriodsPerLevel` periods, and those levels must
 *   span at least `minSpread` (5%: a few pence of rounding is not an experiment);
 * - a finite slope whose interval is at most `maxCiWidth` wide.
 *
 * Periods with no sales have no log. By default (`zeroUnits: 'exclude'`) they are left out,
 * which leans the estimate toward zero when demand often drops to nothing at the high price;
 * `'continuity'` keeps them and regresses log(units + 0.5) for every period, with the open days
 * on which the item sold nothing filled in at zero (see `PriceHistory.periods`). Keep the default
 * for items that sell most days; use `'continuity'` for slow movers.
 *
 * Time trend: with `trend` (the default) the regression also has a linear term in the period
 * number, so a price cut made while demand was growing anyway (or a price rise into a decline)
 * is not credited to price. It costs a degree of freedom, and when the price moved only once the
 * trend and the price step explain the same thing, the interval widens and the estimate is
 * refused rather than guessed. Seasonality beyond a line is not modelled.
 *
 * The mean sale price of a period mixes the shoppers of that period: where bulk buyers pay less
 * per unit (the Online Retail data), periods with big orders have both more units and a lower
 * mean price, and the slope reads that as elasticity. A merchandiser should read the estimate
 * of such an item as an upper bound on sensitivity, or count purchase lines rather than units as
 * demand (`demand: 'lines'`), which an order's size does not move.
 */
import { AisleError } from '../../errors.js';
import type { PriceHistory } from './history.js';

export interface DemandPoint {
  units: number;
  price: number;
  /** Period number, for the time trend; the point's index when absent. */
  period?: number;
}

export interface ElasticityOptions {
  /** Least periods in the regression. Default 14. */
  minPeriods: number;
  /** Least price levels with enough periods each. Default 2. */
  minLevels: number;
  /** Periods a price level needs to count. Default 3. */
  minPeriodsPerLevel: number;
  /** Least relative gap between the lowest and highest counted level. Default 0.05. */
  minSpread: number;
  /** Prices within this relative distance of a level's lowest price belong to it. Default 0.01. */
  levelTolerance: number;
  /** Widest 95% interval (hi - lo) still reported. Default 2. */
  maxCiWidth: number;
  /** Periods without sales: left out, or kept with log(units + 0.5). Default 'exclude'. */
  zeroUnits: 'exclude' | 'continuity';
  /** Control for a linear time trend. Default true. */
  trend: boolean;
  /**
   * What counts as demand: units sold, or purchase lines (orders holding the item). Lines are
   * not swayed by order size, so quantity discounts (a big order at a lower unit price) do not
   * read as demand answering price. Default 'units'.
   */
  demand: 'units' | 'lines';
}

export const DEFAULT_ELASTICITY: Readonly<ElasticityOptions> = {
  minPeriods: 14,
  minLevels: 2,
  minPeriodsPerLevel: 3,
  minSpread: 0.05,
  levelTolerance: 0.01,
  maxCiWidth: 2,
  zeroUnits: 'exclude',
  trend: true,
  demand: 'units',
};

export interface ElasticityEstimate {
  /** Slope of log(units) on log(price). */
  elasticity: number;
  ci95: [number, number];
  /** Standard error of the slope. */
  se: number;
  /** Residual degrees of freedom. */
  df: number;
  /** Share of the variance of log(units) the regression explains. */
  r2: number;
  /** Periods in the regression. */
  periods: number;
  /** Of which with zero units (only with zeroUnits 'continuity'). */
  zeroPeriods: number;
  /** Price levels with at least `minPeriodsPerLevel` periods. */
  priceLevels: number;
  /** Units sold over the periods in the regression. */
  n: number;
  /** Lowest and highest period price in the regression: the range the estimate speaks for. */
  priceRange: [number, number];
  trend: boolean;
}

export interface Refusal {
  refused: string;
}

export type ElasticityResult = ElasticityEstimate | Refusal;

export function isRefusal(r: object): r is Refusal {
  return typeof (r as Partial<Refusal>).refused === 'string';
}

function invalid(field: string, message: string): never {
  throw new AisleError('AISLE_INVALID_ARGUMENT', `elasticity: ${field} ${message}`, { field });
}

/** The options with defaults filled in. Throws AisleError('AISLE_INVALID_ARGUMENT') naming the field. */
export function elasticityOptions(options: Partial<ElasticityOptions> = {}): ElasticityOptions {
  const o = { ...DEFAULT_ELASTICITY, ...options };
  const int = (field: 'minPeriods' | 'minLevels' | 'minPeriodsPerLevel', min: number) => {
    const v = o[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      invalid(field, `must be an integer of at least ${min}`);
  };
  int('minPeriods', 4);
  int('minLevels', 2);
  int('minPeriodsPerLevel', 1);
  const real = (field: 'minSpread' | 'levelTolerance' | 'maxCiWidth', lo: number, hi: number) => {
    const v = o[field];
    if (typeof v !== 'number' || !(v >= lo && v <= hi)) invalid(field, `must be in [${lo}, ${hi}]`);
  };
  real('minSpread', 0, 10);
  real('levelTolerance', 0, 1);
  real('maxCiWidth', 0, Infinity);
  if (o.maxCiWidth === 0) invalid('maxCiWidth', 'must be above 0');
  if (o.zeroUnits !== 'exclude' && o.zeroUnits !== 'continuity')
    invalid('zeroUnits', "must be 'exclude' or 'continuity'");
  if (typeof o.trend !== 'boolean') invalid('trend', 'must be a boolean');
  if (o.demand !== 'units' && o.demand !== 'lines') invalid('demand', "must be 'units' or 'lines'");
  return o;
}

const fmt = (v: number) => (Math.round(v * 100) / 100).toString();

/**
 * Estimates the elasticity from one point per period. Points with a price not above zero or
 * not finite, or with units below zero or not finite, are left out. O(n log n).
 */
export function estimateElasticity(
  points: readonly DemandPoint[],
  options: Partial<ElasticityOptions> = {},
): ElasticityResult {
  const o = elasticityOptions(options);
  const continuity = o.zeroUnits === 'continuity';
  const used: { x: number; y: number; t: number; price: number; units: number }[] = [];
  for (let i = 0; i < points.length; i++) {
    const { units, price, period } = points[i]!;
    if (!(price > 0 && Number.isFinite(price) && units >= 0 && Number.isFinite(units))) continue;
    if (units === 0 && !continuity) continue;
    used.push({
      x: Math.log(price),
      y: Math.log(continuity ? units + 0.5 : units),
      t: period ?? i,
      price,
      units,
    });
  }
  const n = used.length;
  if (n < o.minPeriods) {
    return {
      refused: `too few periods: ${n} ${continuity ? 'priced' : 'with sales'}, at least ${o.minPeriods} needed`,
    };
  }

  // Price levels: runs of sorted prices within levelTolerance of the run's first price.
  const sorted = used.map((u) => u.price).sort((a, b) => a - b);
  const levels: { lo: number; hi: number; periods: number }[] = [];
  for (const p of sorted) {
    const last = levels[levels.length - 1];
    if (last !== undefined && p <= last.lo * (1 + o.levelTolerance)) {
      last.hi = p;
      last.periods++;
    } else levels.push({ lo: p, hi: p, periods: 1 });
  }
  const supported = levels.filter((l) => l.periods >= o.minPeriodsPerLevel);
  if (levels.length === 1) {
    return { refused: `no price variation: all ${n} periods at one price (${fmt(sorted[0]!)})` };
  }
  if (supported.length < o.minLevels) {
    return {
      refused:
        `not enough price variation: ${supported.length} price level(s) with at least ` +
        `${o.minPeriodsPerLevel} periods each, ${o.minLevels} needed`,
    };
  }
  const spread = supported[supported.length - 1]!.lo / supported[0]!.hi - 1;
  if (!(spread >= o.minSpread)) {
    return {
      refused:
        `not enough price variation: the price levels are ${fmt(spread * 100)}% apart, ` +
        `at least ${fmt(o.minSpread * 100)}% needed`,
    };
  }

  // Least squares by partialling out: residualise log price and log units on (1[, t]); the slope
  // of the residuals is the multiple-regression slope (Frisch-Waugh-Lovell).
  const mean = (f: (u: (typeof used)[number]) => number) => used.reduce((s, u) => s + f(u), 0) / n;
  const mx = mean((u) => u.x);
  const my = mean((u) => u.y);
  const mt = mean((u) => u.t);
  let stt = 0;
  let sxt = 0;
  let syt = 0;
  let sxx0 = 0;
  let syy = 0;
  for (const u of used) {
    const dt = u.t - mt;
    stt += dt * dt;
    sxt += (u.x - mx) * dt;
    syt += (u.y - my) * dt;
    sxx0 += (u.x - mx) ** 2;
    syy += (u.y - my) ** 2;
  }
  const useTrend = o.trend && stt > 0;
  const bx = useTrend ? sxt / stt : 0;
  const by = useTrend ? syt / stt : 0;
  let sxx = 0;
  let sxy = 0;
  for (const u of used) {
    const dt = u.t - mt;
    const rx = u.x - mx - bx * dt;
    const ry = u.y - my - by * dt;
    sxx += rx * rx;
    sxy += rx * ry;
  }
  if (!(sxx > 1e-9 * sxx0) || !(sxx > 0)) {
    return { refused: 'price moved only with time: its effect cannot be told from the trend' };
  }
  const slope = sxy / sxx;
  let rss = 0;
  for (const u of used) {
    const dt = u.t - mt;
    const r = u.y - my - by * dt - slope * (u.x - mx - bx * dt);
    rss += r * r;
  }
  const df = n - (useTrend ? 3 : 2);
  const se = Math.sqrt(rss / df / sxx);
  const half = studentTQuantile(0.975, df) * se;
  const lo = slope - half;
  const hi = slope + half;
  if (!Number.isFinite(slope) || !Number.isFinite(half)) {
    return { refused: 'the regression gave no finite slope' };
  }
  if (hi - lo > o.maxCiWidth) {
    return {
      refused:
        `estimate too uncertain: ${fmt(slope)} with 95% interval [${fmt(lo)}, ${fmt(hi)}], ` +
        `wider than ${fmt(o.maxCiWidth)}`,
    };
  }
  let units = 0;
  let zeros = 0;
  for (const u of used) {
    units += u.units;
    if (u.units === 0) zeros++;
  }
  return {
    elasticity: slope,
    ci95: [lo, hi],
    se,
    df,
    r2: syy > 0 ? Math.max(0, 1 - rss / syy) : 0,
    periods: n,
    zeroPeriods: zeros,
    priceLevels: supported.length,
    n: units,
    priceRange: [sorted[0]!, sorted[n - 1]!],
    trend: useTrend,
  };
}

/** The elasticity of one item of `history`, over the periods of its window. */
export function itemElasticity(
  history: PriceHistory,
  item: number,
  options: Partial<ElasticityOptions> = {},
): ElasticityResult {
  const o = elasticityOptions(options);
  const points: DemandPoint[] = [];
  for (const p of history.periods(item, { gaps: o.zeroUnits === 'continuity' })) {
    if (p.price === undefined) continue;
    points.push({
      units: o.demand === 'lines' ? p.lines : p.units,
      price: p.price,
      period: p.period,
    });
  }
  return estimateElasticity(points, o);
}

// ---- Student t ----------------------------------------------------------------------------

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** log Γ(x) for x > 0 (Lanczos, g = 7: about 15 significant digits). */
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta (modified Lentz), for x < (a + 1) / (a + b + 2). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b), given x and y = 1 - x (passed apart for precision). */
function incompleteBeta(a: number, b: number, x: number, y: number): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(y),
  );
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(a, b, x)) / a;
  return 1 - (front * betaFraction(b, a, y)) / b;
}

/** P(T > t) for t >= 0. */
function upperTail(t: number, df: number): number {
  const t2 = t * t;
  return 0.5 * incompleteBeta(df / 2, 0.5, df / (df + t2), t2 / (df + t2));
}

function tDensity(t: number, df: number): number {
  return Math.exp(
    logGamma((df + 1) / 2) -
      logGamma(df / 2) -
      0.5 * Math.log(df * Math.PI) -
      ((df + 1) / 2) * Math.log1p((t * t) / df),
  );
}

/** Regularised upper incomplete gamma Q(a, x): the series below a + 1, Lentz's fraction above. */
function upperGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  const front = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return 1 - sum * front;
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return front * h;
}

/** P(Z > z) for z >= 0, standard normal. */
function normalUpperTail(z: number): number {
  return 0.5 * upperGamma(0.5, (z * z) / 2);
}

/**
 * Standard normal upper quantile: z with P(Z > z) = q, q in (0, 0.5]. Acklam's rational
 * approximation (relative error below 1.2e-9), polished by one Halley step on the exact tail.
 */
function normalUpperQuantile(q: number): number {
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
    -3.066479806614716e1, 2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], x: number) => k.reduce((s, v) => s * x + v, 0);
  let z: number;
  if (q < 0.02425) {
    const r = Math.sqrt(-2 * Math.log(q));
    z = -poly(c, r) / (poly(d, r) * r + 1);
  } else {
    const r0 = 0.5 - q;
    const r = r0 * r0;
    z = (poly(a, r) * r0) / (poly(b, r) * r + 1);
  }
  if (z <= 0) return 0;
  const density = Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
  const u = (normalUpperTail(z) - q) / density;
  return z + u / (1 - (z * u) / 2);
}

/** Cornish-Fisher expansion of the t quantile around the normal one. */
function cornishFisher(z: number, df: number): number {
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3;
}

function checkDf(df: number): void {
  if (typeof df !== 'number' || !(df > 0)) invalid('df', 'must be a number above 0');
}

/** P(T <= t) for Student's t with `df` degrees of freedom (df > 0, Infinity allowed). */
export function studentTCdf(t: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(t)) return NaN;
  const a = Math.abs(t);
  // Past 1e5 degrees of freedom the incomplete beta is slow and t is normal to 1e-10, with
  // the scale correction of Abramowitz & Stegun 26.7.8.
  const tail =
    df > 1e5
      ? normalUpperTail((a * (1 - 1 / (4 * df))) / Math.sqrt(1 + (a * a) / (2 * df)))
      : upperTail(a, df);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The p-quantile of Student's t with `df` degrees of freedom (df > 0, not necessarily whole;
 * Infinity gives the normal quantile). Inverts the exact distribution function (regularised
 * incomplete beta) by safeguarded Newton steps to about 13 significant digits; past 1e5
 * degrees of freedom, the Cornish-Fisher expansion around the normal quantile (error below 1e-12).
 */
export function studentTQuantile(p: number, df: number): number {
  if (typeof p !== 'number' || !(p > 0 && p < 1)) invalid('p', 'must be in (0, 1)');
  checkDf(df);
  if (p === 0.5) return 0;
  const sign = p > 0.5 ? 1 : -1;
  const q = p > 0.5 ? 1 - p : p;
  const z = normalUpperQuantile(q);
  if (df === Infinity) return sign * z;
  if (df > 1e5) return sign * cornishFisher(z, df);
  // Find t > 0 with upperTail(t) = q; the tail falls from 0.5 at t = 0.
  let lo = 0;
  let hi = Math.max(1, z);
  while (upperTail(hi, df) > q) {
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi)) return sign * Infinity;
  }
  let t = Math.min(Math.max(cornishFisher(z, df), lo), hi);
  if (!(t > lo && t < hi)) t = (lo + hi) / 2;
  for (let i = 0; i < 300; i++) {
    const f = upperTail(t, df) - q;
    if (f === 0) break;
    if (f > 0) lo = t;
    else hi = t;
    let next = t + f / tDensity(t, df);
    // Newton when it stays inside the bracket, else bisection (geometric once the scale is wide).
    if (!(next > lo && next < hi))
      next = lo > 0 && hi / lo > 4 ? Math.sqrt(lo * hi) : (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-14 * t) {
      t = next;
      break;
    }
    t = next;
  }
  return sign * t;
}

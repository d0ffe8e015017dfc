/**
 * The price that maximises expected profit, given what the elasticity estimate knows and what it
 * does not.
 *
 * Demand follows the constant-elasticity curve through today's price and pace,
 *
 *     demand(p) = demand0 · (p / price0)^e,      profit(p) = (p − cost) · demand(p),
 *
 * and e is not known, only estimated: the estimate and its standard error with `df` degrees of
 * freedom say e = ê + se · T with T Student-t. Two objectives:
 *
 * - `expected` (the default): profit averaged over that distribution of e, by quadrature on 64
 *   equally likely quantiles. For an elastic item (e < −1) this is near the textbook optimum
 *   cost · e / (1 + e); an uncertain estimate flattens the curve.
 * - `cautious`: the profit that a share `caution` of the plausible elasticities would beat (its
 *   lower quantile). Profit rises with e above today's price and falls with it below, so that
 *   quantile is the profit at e's `caution` quantile above today's price and at its
 *   1 − `caution` quantile below: an uncertain estimate keeps the price near today's.
 *
 * Where e ≥ −1 (inelastic), profit keeps rising with price: the answer is the highest price the
 * constraints allow, and it says so. The constraints, all optional but defaulted, are what a
 * pricing manager sets: a least margin over cost, a largest change in one step, staying within
 * the prices observed (the range the estimate speaks for) give or take a share, and a price
 * ending (.99). Each answer names the constraint that bound it, if any.
 *
 * Search: a grid of 400 prices over the allowed range, then golden-section refinement around
 * the best, then the price ending; the expected objective is smooth and has one peak in this
 * family, so that is exact to well under a cent. O(grid · quantiles).
 */
import { AisleError } from '../../errors.js';
import { studentTQuantile } from './elasticity.js';

export interface PriceConstraints {
  /** Least margin over cost, as a share of the price: (p − cost) / p ≥ minMargin. Default 0.05. */
  minMargin: number;
  /** Largest change from today's price in one step, as a share (0.2: ±20%). Default 0.2. */
  maxChange: number;
  /**
   * How far beyond the observed prices the answer may go, as a share of the lowest (below) and
   * the highest (above). Default 0.1. Infinity lifts the limit.
   */
  beyondObserved: number;
  /**
   * Price ending: the cents every price ends in (0.99 for 4.99, 0 for whole units), or null for
   * none (prices to the cent). Default null.
   */
  ending: number | null;
}

export const DEFAULT_PRICE_CONSTRAINTS: Readonly<PriceConstraints> = {
  minMargin: 0.05,
  maxChange: 0.2,
  beyondObserved: 0.1,
  ending: null,
};

export interface PriceOptimiseInput {
  /** Today's price. */
  price: number;
  /** Units per day (or any period) sold at today's price. */
  demand: number;
  /** Unit cost. */
  cost: number;
  /** The elasticity estimate, its standard error and degrees of freedom (Infinity: normal). */
  elasticity: number;
  se: number;
  df: number;
  /** Lowest and highest price observed, the range the estimate was fitted on. */
  observed: [number, number];
  constraints?: Partial<PriceConstraints>;
  /** 'expected' profit (default) or the `caution` quantile of profit ('cautious'). */
  objective?: 'expected' | 'cautious';
  /** For 'cautious': the quantile of profit maximised, in (0, 0.5]. Default 0.25. */
  caution?: number;
  /**
   * A highest price set by something else: the markdown that clears the stock in time. Where
   * stock is the constraint, profit is maximised at or below it, so the two answers agree.
   */
  ceiling?: number;
}

/** Expected figures per period at one price. */
export interface PricePoint {
  price: number;
  demand: number;
  revenue: number;
  profit: number;
}

export type PriceBound =
  | 'minMargin'
  | 'maxChange up'
  | 'maxChange down'
  | 'highest observed'
  | 'lowest observed'
  | 'stock to clear';

export interface PriceRecommendation {
  current: PricePoint;
  recommended: PricePoint;
  /** recommended.price / current.price − 1. */
  change: number;
  /** The constraint the answer sits on, when one holds it back from the unconstrained best. */
  bound: PriceBound | null;
  /** cost · e / (1 + e) at the point estimate when e < −1; null for an inelastic estimate. */
  unconstrained: number | null;
  /** The allowed range [lo, hi] after every constraint. */
  range: [number, number];
  objective: 'expected' | 'cautious';
  reason: string;
  /** The objective over the allowed range, 41 points, for a chart. */
  curve: PricePoint[];
}

const QUANTILES = 64;
const GRID = 400;
const CURVE = 41;

function invalid(field: string, message: string): never {
  throw new AisleError('AISLE_INVALID_ARGUMENT', `price recommendation: ${field} ${message}`, {
    field,
  });
}

function positive(field: string, v: number): void {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) invalid(field, 'must be above 0');
}

/** The constraints with defaults filled in. Throws AisleError naming the field. */
export function priceConstraints(c: Partial<PriceConstraints> = {}): PriceConstraints {
  const o = { ...DEFAULT_PRICE_CONSTRAINTS, ...c };
  if (!(o.minMargin >= 0 && o.minMargin < 1)) invalid('minMargin', 'must be in [0, 1)');
  if (!(o.maxChange > 0)) invalid('maxChange', 'must be above 0');
  if (!(o.beyondObserved >= 0)) invalid('beyondObserved', 'must be at least 0');
  if (o.ending !== null && !(o.ending >= 0 && o.ending < 1))
    invalid('ending', 'must be null or in [0, 1)');
  return o;
}

/** Equally likely elasticities: e at the midpoints of QUANTILES probability bins. */
function elasticityNodes(e: number, se: number, df: number): Float64Array {
  const nodes = new Float64Array(QUANTILES);
  for (let i = 0; i < QUANTILES; i++) {
    nodes[i] = se === 0 ? e : e + se * studentTQuantile((i + 0.5) / QUANTILES, df);
  }
  return nodes;
}

/**
 * The price per period that maximises the objective within the constraints, with expected
 * demand, revenue and profit at today's price and at the answer.
 * Throws AisleError('AISLE_INVALID_ARGUMENT') naming the field of a bad input.
 */
export function recommendPrice(input: PriceOptimiseInput): PriceRecommendation {
  const { price, demand, cost, elasticity: e, se, df } = input;
  positive('price', price);
  if (!(demand >= 0) || !Number.isFinite(demand)) invalid('demand', 'must be at least 0');
  if (!(cost >= 0) || !Number.isFinite(cost)) invalid('cost', 'must be at least 0');
  if (!Number.isFinite(e)) invalid('elasticity', 'must be a finite number');
  if (!(se >= 0) || !Number.isFinite(se)) invalid('se', 'must be at least 0');
  if (!(df > 0)) invalid('df', 'must be above 0');
  const [lowSeen, highSeen] = input.observed;
  positive('observed[0]', lowSeen);
  positive('observed[1]', highSeen);
  if (highSeen < lowSeen) invalid('observed', 'must be [lowest, highest]');
  const c = priceConstraints(input.constraints);
  const objective = input.objective ?? 'expected';
  if (objective !== 'expected' && objective !== 'cautious')
    invalid('objective', "must be 'expected' or 'cautious'");
  const caution = input.caution ?? 0.25;
  if (!(caution > 0 && caution <= 0.5)) invalid('caution', 'must be in (0, 0.5]');

  // The allowed range, and which constraint made each end.
  const ends: { lo: number; loBy: PriceBound | null; hi: number; hiBy: PriceBound | null } = {
    lo: 0,
    loBy: null,
    hi: Infinity,
    hiBy: null,
  };
  const raise = (v: number, by: PriceBound) => {
    if (v > ends.lo) [ends.lo, ends.loBy] = [v, by];
  };
  const lower = (v: number, by: PriceBound) => {
    if (v < ends.hi) [ends.hi, ends.hiBy] = [v, by];
  };
  raise(cost / (1 - c.minMargin), 'minMargin');
  raise(price * (1 - Math.min(c.maxChange, 1)), 'maxChange down');
  lower(price * (1 + c.maxChange), 'maxChange up');
  if (Number.isFinite(c.beyondObserved)) {
    raise(lowSeen * (1 - Math.min(c.beyondObserved, 1)), 'lowest observed');
    lower(highSeen * (1 + c.beyondObserved), 'highest observed');
  }
  if (input.ceiling !== undefined) {
    positive('ceiling', input.ceiling);
    lower(input.ceiling, 'stock to clear');
  }
  const nodes = elasticityNodes(e, se, df);
  const lowE = e + (se === 0 ? 0 : se * studentTQuantile(caution, df));
  const highE = e + (se === 0 ? 0 : se * studentTQuantile(1 - caution, df));

  const demandAt = (p: number): number => {
    // Expected demand: the mean of (p / price)^e over the nodes.
    const r = Math.log(p / price);
    let sum = 0;
    for (let i = 0; i < QUANTILES; i++) sum += Math.exp(nodes[i]! * r);
    return (demand * sum) / QUANTILES;
  };
  const value = (p: number): number => {
    if (objective === 'expected') return (p - cost) * demandAt(p);
    const eq = p >= price ? lowE : highE;
    return (p - cost) * demand * Math.exp(eq * Math.log(p / price));
  };
  const point = (p: number): PricePoint => {
    const d = demandAt(p);
    return { price: p, demand: d, revenue: p * d, profit: (p - cost) * d };
  };

  const current = point(price);
  const unconstrained = e < -1 ? (cost * e) / (1 + e) : null;
  if (!(ends.lo <= ends.hi)) {
    // The constraints leave nothing: the least margin sits above every other allowed price.
    const p = snap(ends.lo, c.ending, ends.lo, Infinity);
    return finish(p, 'minMargin', [ends.lo, ends.lo], [point(ends.lo)]);
  }

  // Grid, then golden-section refinement around the best grid point.
  const { lo, hi } = ends;
  let best = lo;
  let bestValue = -Infinity;
  const at = (i: number) => lo + ((hi - lo) * i) / GRID;
  for (let i = 0; i <= GRID; i++) {
    const v = value(at(i));
    if (v > bestValue) [best, bestValue] = [at(i), v];
  }
  let a = Math.max(lo, best - (hi - lo) / GRID);
  let b = Math.min(hi, best + (hi - lo) / GRID);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 60 && b - a > 1e-9 * price; i++) {
    const x1 = b - g * (b - a);
    const x2 = a + g * (b - a);
    if (value(x1) >= value(x2)) b = x2;
    else a = x1;
  }
  const mid = (a + b) / 2;
  if (value(mid) > bestValue) best = mid;
  const p = snap(best, c.ending, lo, hi, value);
  // On a bound when the best sits at an end of the range (within a cent or the ending's step).
  const tol = Math.max(0.005, 1e-6 * price);
  const bound: PriceBound | null =
    Math.abs(best - hi) <= tol && ends.hiBy !== null
      ? ends.hiBy
      : Math.abs(best - lo) <= tol && ends.loBy !== null
        ? ends.loBy
        : null;
  const curve: PricePoint[] = [];
  for (let i = 0; i < CURVE; i++) curve.push(point(lo + ((hi - lo) * i) / (CURVE - 1)));
  return finish(p, bound, [lo, hi], curve);

  function finish(
    chosen: number,
    by: PriceBound | null,
    range: [number, number],
    series: PricePoint[],
  ): PriceRecommendation {
    const recommended = point(chosen);
    return {
      current,
      recommended,
      change: chosen / price - 1,
      bound: by,
      unconstrained,
      range,
      objective,
      reason: explain(recommended, by),
      curve: series,
    };
  }

  function explain(r: PricePoint, by: PriceBound | null): string {
    const money = (v: number) => v.toFixed(2);
    const gain = current.profit > 0 ? ` (${signed((r.profit / current.profit - 1) * 100)}%)` : '';
    const profit = `expected profit ${money(r.profit)} a period against ${money(current.profit)} now${gain}`;
    const eText = `elasticity ${e.toFixed(2)} ± ${(1.96 * se).toFixed(2)}`;
    const why =
      e >= -1
        ? `demand is inelastic (${eText}): profit keeps rising with price, so the price goes as high as allowed`
        : `${eText}: the unconstrained best is ${money(unconstrained!)}`;
    const limit =
      by === null
        ? ''
        : by === 'stock to clear'
          ? `; held at the markdown that clears the stock in time`
          : `; held at ${by === 'minMargin' ? `the least margin of ${money(c.minMargin * 100)}%` : by === 'maxChange up' || by === 'maxChange down' ? `the largest step of ${money(c.maxChange * 100)}%` : `${Math.round(c.beyondObserved * 100)}% beyond the ${by} price`}`;
    return `${money(r.price)}: ${why}${limit}; ${profit}`;
  }
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
}

/**
 * `p` with the price ending: the best of the endings just below and above that stay in
 * [lo, hi] (by `value` when given, else the nearest); `p` to the cent without an ending.
 */
function snap(
  p: number,
  ending: number | null,
  lo: number,
  hi: number,
  value?: (p: number) => number,
): number {
  if (ending === null) {
    const cents = Math.round(p * 100) / 100;
    return cents >= lo - 1e-9 && cents <= hi + 1e-9 ? cents : p;
  }
  const down = Math.floor(p - ending) + ending;
  const candidates = [down, down + 1].filter((x) => x > 0 && x >= lo - 1e-9 && x <= hi + 1e-9);
  if (candidates.length === 0) return Math.round(p * 100) / 100;
  if (value === undefined) return candidates.sort((a, b) => Math.abs(a - p) - Math.abs(b - p))[0]!;
  return candidates.sort((a, b) => value(b) - value(a))[0]!;
}

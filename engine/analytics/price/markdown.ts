/**
 * Markdown suggestions for overstocked items: the price at which the stock on hand sells
 * within a target number of days, given how fast it sells now and how demand answers price.
 *
 * With constant elasticity e, velocity scales as (p' / p)^e, so the velocity the target needs,
 * v* = stock / days, is reached at
 *
 *     p' = p · (v* / v)^(1 / e).
 *
 * The price is rounded down to `step` (a slightly deeper cut, so the target still holds) and
 * never goes below `floor` of the current price: a markdown deeper than that is a clearance
 * decision for a person, and it lies far outside any price the estimate was fitted on. At the
 * floor the suggestion says how long clearing would then take. No markdown is suggested when
 * the current pace already clears the stock in time.
 *
 * Refused, with the reason, when a markdown is needed and the elasticity was refused or is not
 * negative (a price cut would not sell more, so no cut can be justified from it), when nothing
 * sold at the current price (no pace to scale) or when there is no stock. "No markdown needed"
 * does not depend on the elasticity, so it is answered even without one. The `basis` 'conservative' uses the end of
 * the 95% interval nearest zero instead of the point estimate: demand assumed less responsive,
 * so a deeper cut.
 */
import { AisleError } from '../../errors.js';
import {
  elasticityOptions,
  isRefusal,
  itemElasticity,
  type ElasticityOptions,
  type ElasticityResult,
  type Refusal,
} from './elasticity.js';
import type { PriceHistory } from './history.js';

export interface MarkdownOptions {
  /** Lowest price suggested, as a share of the current price, in (0, 1]. Default 0.3. */
  floor: number;
  /** Prices are rounded down to a multiple of this (0 = no rounding). Default 0.01. */
  step: number;
  /** Elasticity used: the point estimate, or the interval's end nearest zero. Default 'estimate'. */
  basis: 'estimate' | 'conservative';
}

export const DEFAULT_MARKDOWN: Readonly<MarkdownOptions> = {
  floor: 0.3,
  step: 0.01,
  basis: 'estimate',
};

export interface MarkdownInput {
  /** Current price. */
  price: number;
  /** Units on hand. */
  stock: number;
  /** Days in which the stock should be sold. */
  targetDays: number;
  /** Units sold per day at the current price. */
  velocity: number;
  /** The elasticity, as a number or as estimated (a refusal is passed on). */
  elasticity: number | ElasticityResult;
}

export interface MarkdownSuggestion {
  /** Suggested price (the current one when no markdown is needed). */
  price: number;
  /** Share off the current price, 0..1. */
  discount: number;
  /** Units per day expected at the suggested price. */
  expectedVelocity: number;
  /** Days the stock lasts at that pace. */
  daysToClear: number;
  /** The elasticity used; undefined when no markdown was needed and none was given. */
  elasticity: number | undefined;
  /** True when the floor stopped the price from going lower. */
  floored: boolean;
  reason: string;
}

export type MarkdownResult = MarkdownSuggestion | Refusal;

function invalid(field: string, message: string): never {
  throw new AisleError('AISLE_INVALID_ARGUMENT', `markdown: ${field} ${message}`, { field });
}

/** The options with defaults filled in. Throws AisleError('AISLE_INVALID_ARGUMENT') naming the field. */
export function markdownOptions(options: Partial<MarkdownOptions> = {}): MarkdownOptions {
  const o = { ...DEFAULT_MARKDOWN, ...options };
  if (typeof o.floor !== 'number' || !(o.floor > 0 && o.floor <= 1))
    invalid('floor', 'must be in (0, 1]');
  if (typeof o.step !== 'number' || !(o.step >= 0 && Number.isFinite(o.step)))
    invalid('step', 'must be a finite number of at least 0');
  if (o.basis !== 'estimate' && o.basis !== 'conservative')
    invalid('basis', "must be 'estimate' or 'conservative'");
  return o;
}

/** Money and rates in plain figures: two decimals, fewer when they are zeros. */
const num = (v: number, digits = 2) => Number(v.toFixed(digits)).toString();
const pct = (share: number) => `${Math.round(share * 100)}%`;

function onStep(price: number, step: number, down: boolean): number {
  if (step === 0) return price;
  const k = down ? Math.floor(price / step + 1e-9) : Math.ceil(price / step - 1e-9);
  return Number((k * step).toPrecision(12));
}

/**
 * The markdown that sells `stock` within `targetDays`. Throws AisleError('AISLE_INVALID_ARGUMENT')
 * naming the field of an input that is not a finite number in range; returns a refusal when the
 * data cannot support a price (see the file header).
 */
export function suggestMarkdown(
  input: MarkdownInput,
  options: Partial<MarkdownOptions> = {},
): MarkdownResult {
  const o = markdownOptions(options);
  const { price, stock, targetDays, velocity } = input;
  if (typeof price !== 'number' || !(price > 0 && Number.isFinite(price)))
    invalid('price', 'must be a finite number above 0');
  if (typeof stock !== 'number' || !(stock >= 0 && Number.isFinite(stock)))
    invalid('stock', 'must be a finite number of at least 0');
  if (typeof targetDays !== 'number' || !(targetDays > 0 && Number.isFinite(targetDays)))
    invalid('targetDays', 'must be a finite number above 0');
  if (typeof velocity !== 'number' || !(velocity >= 0 && Number.isFinite(velocity)))
    invalid('velocity', 'must be a finite number of at least 0');

  if (stock === 0) return { refused: 'nothing in stock to clear' };
  if (velocity === 0) {
    return { refused: 'no sales at the current price, so there is no pace to scale from' };
  }
  const given = input.elasticity;
  let e: number | undefined;
  if (typeof given === 'number') {
    if (Number.isNaN(given)) invalid('elasticity', 'must be a number');
    e = given;
  } else if (!isRefusal(given)) {
    e = o.basis === 'conservative' ? given.ci95[1] : given.elasticity;
  }
  const needed = stock / targetDays;
  const days = stock / velocity;
  const now =
    `At ${num(price)}, ${num(stock, 0)} units sell at ${num(velocity, 1)} a day ` +
    `and last ${num(days, 0)} days`;
  if (velocity >= needed) {
    return {
      price,
      discount: 0,
      expectedVelocity: velocity,
      daysToClear: days,
      elasticity: e,
      floored: false,
      reason: `${now}, within the ${num(targetDays, 0)}-day target: no markdown needed.`,
    };
  }
  if (e === undefined) {
    return { refused: `no elasticity estimate (${(given as Refusal).refused})` };
  }
  if (!(e < 0) || !Number.isFinite(e)) {
    const which = o.basis === 'conservative' ? 'the cautious end of its interval' : 'the estimate';
    return {
      refused:
        `demand does not fall as price rises (elasticity ${num(e)}, ${which}), ` +
        'so a lower price cannot be expected to sell more',
    };
  }

  const floorPrice = price * o.floor;
  const exact = price * (needed / velocity) ** (1 / e);
  let suggested = onStep(exact, o.step, true);
  let floored = false;
  if (!(suggested >= floorPrice)) {
    suggested = onStep(floorPrice, o.step, false);
    floored = true;
  }
  const expectedVelocity = velocity * (suggested / price) ** e;
  const daysToClear = stock / expectedVelocity;
  const discount = 1 - suggested / price;
  const sensitivity =
    `with demand elasticity ${num(e)} (a 1% price cut lifts sales by about ` +
    `${num(Math.abs(e), 1)}%)`;
  const at = `${num(suggested)} (${pct(discount)} off)`;
  const reason = floored
    ? `${now}; the ${num(targetDays, 0)}-day target needs ${num(needed, 1)} a day. ` +
      `W${sensitivity.slice(1)}, that takes ${num(exact)}, below ` +
      `the floor of ${pct(o.floor)} of the price; at the floor, ${at}, expect ` +
      `${num(expectedVelocity, 1)} a day, clearing in about ${num(daysToClear, 0)} days.`
    : `${now}; the ${num(targetDays, 0)}-day target needs ${num(needed, 1)} a day. ` +
      `At ${at}, ${sensitivity}, expect ${num(expectedVelocity, 1)} a day, clearing in about ` +
      `${num(daysToClear, 0)} days.`;
  return {
    price: suggested,
    discount,
    expectedVelocity,
    daysToClear,
    elasticity: e,
    floored,
    reason,
  };
}

export interface ItemMarkdownInput {
  /** Units on hand (e.g. `Stock.level(item)`). */
  stock: number;
  targetDays: number;
  /** Periods over which the current pace is measured. Default 14. */
  lookback?: number;
}

/**
 * The markdown for one item of `history`: its current price (list, else last paid), its pace
 * over the lookback and its estimated elasticity. A reason is added when the suggested price is
 * below every price the estimate was fitted on, since the constant elasticity is then assumed
 * beyond what the data showed.
 */
export function itemMarkdown(
  history: PriceHistory,
  item: number,
  input: ItemMarkdownInput,
  options: { elasticity?: Partial<ElasticityOptions>; markdown?: Partial<MarkdownOptions> } = {},
): MarkdownResult {
  const price = history.currentPrice(item);
  if (price === undefined) return { refused: 'no price known for the item' };
  const pace = history.velocity(item, input.lookback ?? 14);
  if (pace === undefined) return { refused: 'no open period to measure the pace of sales over' };
  const elasticity = itemElasticity(history, item, elasticityOptions(options.elasticity));
  const out = suggestMarkdown(
    {
      price,
      stock: input.stock,
      targetDays: input.targetDays,
      velocity: pace.unitsPerDay,
      elasticity,
    },
    options.markdown,
  );
  if (!isRefusal(out) && !isRefusal(elasticity) && out.price < elasticity.priceRange[0]) {
    out.reason +=
      ` The lowest price in the data was ${num(elasticity.priceRange[0])}: below it the ` +
      'estimate is an extrapolation.';
  }
  return out;
}

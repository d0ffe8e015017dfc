/**
 * Simulator options, their defaults and their validation.
 *
 * Rates are per session or per event, not per wall second, so the stream's shape does not
 * depend on how fast anyone consumes it.
 */
import { AisleError } from '../../engine/errors.js';

/** Everything is optional; see {@link SIMULATOR_DEFAULTS} for the values used when absent. */
export interface SimulatorOptions {
  /** PRNG seed; the same options give the identical stream. Default 42. */
  seed?: number;
  /** Number of items `sku-0..sku-(items-1)`. Default 5,000. */
  items?: number;
  /** Number of categories `cat-0..`; capped at `items`. Default 40. */
  categories?: number;
  /** Number of registered users `u-0..`. Default 20,000. */
  users?: number;
  /** Simulated start time, epoch ms. Default 2026-01-01T00:00:00Z. */
  startTs?: number;
  /** Zipf exponent of item popularity within a category. Default 1.0. */
  zipf?: number;
  /** Mean simulated gap between consecutive events, ms (exponential jitter). Default 50. */
  meanGapMs?: number;
  /**
   * Day/night swing of traffic, 0..0.9: the event rate is (1 + diurnal*cos(...)) times the mean,
   * peaking at 20:00 UTC. Default 0.3.
   */
  diurnal?: number;
  /** Sessions browsing at the same time, interleaved in the stream. Default 500. */
  concurrentSessions?: number;
  /** Mean number of item views in a session (geometric). Default 5. */
  meanViews?: number;
  /** Fraction of sessions that add something to the cart. Default 0.08. */
  cartRate?: number;
  /** Fraction of sessions that end in a purchase (must be <= cartRate). Default 0.03. */
  purchaseRate?: number;
  /** Chance a session opens with a search instead of a view. Default 0.3. */
  searchRate?: number;
  /** Fraction of sessions without a `user` (anonymous visitors). Default 0.1. */
  anonymousRate?: number;
  /** Chance that the view right after an add-to-cart is one of the item's complements. Default 0.6. */
  complementPull?: number;
  /** Chance that a viewed complement of a cart item is added to the cart too. Default 0.5. */
  complementCartRate?: number;
  /** Simulated ms between replenishment runs that `receive` stock for low items. Default 1 h. */
  restockEvery?: number;
  /** Mean hours of expected demand an item's full stock covers. Default 24. */
  stockCoverHours?: number;
  /** Chance that an event slot is a price change. Default 0.0005. */
  priceChangeRate?: number;
  /** Chance that an event slot is a store inventory correction (`adjust`). Default 0.0005. */
  adjustRate?: number;
  /** Number of stores `store-0..` that adjustments name. Default 20. */
  stores?: number;
  /**
   * Chance that a session's first view goes to the fad of the moment: one item, chosen from the
   * simulated time, that the shop's traffic suddenly favours (a product in the news, a post that
   * went round). Default 0: no fads, and the stream is the same as without this option.
   */
  fadShare?: number;
  /** Simulated ms each fad lasts before the next item takes over. Default 45 minutes. */
  fadEvery?: number;
}

/** The options with every default filled in. */
export type ResolvedSimulatorOptions = Required<SimulatorOptions>;

/** Defaults used for absent options. */
export const SIMULATOR_DEFAULTS: Readonly<ResolvedSimulatorOptions> = Object.freeze({
  seed: 42,
  items: 5_000,
  categories: 40,
  users: 20_000,
  startTs: Date.UTC(2026, 0, 1),
  zipf: 1.0,
  meanGapMs: 50,
  diurnal: 0.3,
  concurrentSessions: 500,
  meanViews: 5,
  cartRate: 0.08,
  purchaseRate: 0.03,
  searchRate: 0.3,
  anonymousRate: 0.1,
  complementPull: 0.6,
  complementCartRate: 0.5,
  restockEvery: 3_600_000,
  stockCoverHours: 24,
  priceChangeRate: 0.0005,
  adjustRate: 0.0005,
  stores: 20,
  fadShare: 0,
  fadEvery: 2_700_000,
});

function invalid(name: string, rule: string): never {
  throw new AisleError('AISLE_INVALID_ARGUMENT', `simulator option ${name} ${rule}`, {
    option: name,
  });
}

function integerAtLeast(o: ResolvedSimulatorOptions, name: keyof SimulatorOptions, min: number) {
  const v = o[name];
  if (!Number.isSafeInteger(v) || v < min) invalid(name, `must be an integer >= ${min}`);
}

function between(
  o: ResolvedSimulatorOptions,
  name: keyof SimulatorOptions,
  lo: number,
  hi: number,
) {
  const v = o[name];
  if (!Number.isFinite(v) || v < lo || v > hi) invalid(name, `must be a number in [${lo}, ${hi}]`);
}

/**
 * Fills defaults and checks ranges.
 * @throws AisleError AISLE_INVALID_ARGUMENT naming the first bad option
 */
export function resolveOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const o: ResolvedSimulatorOptions = { ...SIMULATOR_DEFAULTS };
  for (const [key, value] of Object.entries(options)) {
    // A misspelt option would otherwise silently fall back to its default.
    if (!Object.hasOwn(SIMULATOR_DEFAULTS, key)) invalid(key, 'is not a simulator option');
    if (value !== undefined) (o as unknown as Record<string, unknown>)[key] = value;
  }
  if (!Number.isFinite(o.seed)) invalid('seed', 'must be a finite number');
  integerAtLeast(o, 'items', 2);
  integerAtLeast(o, 'categories', 2);
  integerAtLeast(o, 'users', 1);
  integerAtLeast(o, 'concurrentSessions', 1);
  integerAtLeast(o, 'stores', 1);
  // Leave a day of headroom below the validator's upper bound on timestamps.
  between(o, 'startTs', 946_684_800_000, 4_000_000_000_000);
  if (!Number.isInteger(o.startTs)) invalid('startTs', 'must be an integer (epoch ms)');
  between(o, 'zipf', 0, 5);
  between(o, 'meanGapMs', 0, 86_400_000);
  between(o, 'diurnal', 0, 0.9);
  between(o, 'meanViews', 1, 1000);
  between(o, 'cartRate', 0, 1);
  between(o, 'purchaseRate', 0, o.cartRate);
  between(o, 'searchRate', 0, 1);
  between(o, 'anonymousRate', 0, 1);
  between(o, 'complementPull', 0, 1);
  between(o, 'complementCartRate', 0, 1);
  between(o, 'restockEvery', 1, Number.MAX_SAFE_INTEGER);
  between(o, 'stockCoverHours', 0.01, 1e6);
  between(o, 'priceChangeRate', 0, 0.5);
  between(o, 'adjustRate', 0, 0.5);
  between(o, 'fadShare', 0, 0.5);
  between(o, 'fadEvery', 1, Number.MAX_SAFE_INTEGER);
  o.categories = Math.min(o.categories, o.items);
  return o;
}

/**
 * Revenue over sliding windows of stream time: revenue, units, order lines, orders and average
 * order value for the whole shop, a category or an item, and the same as a series of steps.
 *
 * As in the funnels (funnel.ts), every purchase line adds to a time bucket of its item, its
 * category and the shop in each tier of bucket rings (windows.ts: by default 1-minute buckets over
 * the last day and 1-hour buckets over the last 30 days). A query sums the buckets of the finest
 * tier that covers it, so it costs at most one tier's slots whatever the length of the stream,
 * and is exact for the bucket-aligned window it reports as [from, to). Lines whose bucket has
 * left the finest tier are counted as late (and as expired once they are older than every tier).
 *
 * Money is counted in whole cents (money.ts), so sums are exact. Bucket counters are u32: revenue
 * and units each take two, the low 32 bits and the rest, and a line whose low word wraps carries
 * one into the high word. Order lines and orders are plain counters (2^32 per bucket and key).
 *
 * An order counts in a scope (the shop, a category, an item) in the bucket of its first line
 * there, in order of arrival: the orders of a window are the orders placed in it, and a window's
 * revenue includes later lines of orders placed before it. Which (order, scope) pairs were counted
 * is remembered for `orderHorizon` of stream time (order-scopes.ts); a line of an order arriving
 * later than that counts its order again. The average order value of a category or an item is its
 * revenue per order that bought from it.
 *
 * Distinct customers are not counted here: the funnels' distinct users of the purchase step are
 * exactly that, per window, for the shop and each category.
 */
import type { IdKind } from '../activity.js';
import { AisleError } from '../errors.js';
import { EVENT_TYPE_CODE } from '../events.js';
import { dropsNothing } from '../remap-map.js';
import { expectState, isCount } from '../snapshot/check.js';
import type { EncodedBatch } from '../store/index.js';
import { fromCents, lineCents } from './money.js';
import { OrderScopes, type OrderScopesState } from './order-scopes.js';
import {
  BucketRings,
  DEFAULT_TIERS,
  checkWindowQuery,
  formatWindow,
  parseWindow,
  resolveTiers,
  seriesPlan,
  tierFor,
  windowBuckets,
  type BucketRingsState,
  type BucketTier,
  type ResolvedTier,
  type WindowQuery,
} from './windows.js';

/** One resolution: buckets of `resolution` covering the last `span` of time. */
export type RevenueTier = BucketTier;

export interface RevenueOptions {
  /** Resolutions, finest first, each coarser and longer than the last. Default 1m/1d, 1h/30d. */
  tiers?: readonly RevenueTier[];
  /**
   * How long an order's counting in a scope is remembered, as a duration; at most the longest
   * tier's span. Lines of one order are normally seconds apart. Default `'1d'`.
   */
  orderHorizon?: string | number;
}

/** 1-minute buckets for windows up to a day, 1-hour buckets for windows up to 30 days. */
export const DEFAULT_REVENUE_TIERS: readonly RevenueTier[] = DEFAULT_TIERS;

/** The options in force, durations in ms. */
export interface ResolvedRevenueOptions {
  tiers: readonly ResolvedTier[];
  orderHorizonMs: number;
}

/** A window ending now, for an item, a category or (neither) the whole shop. */
export type RevenueQuery = WindowQuery;

export interface RevenueSeriesQuery extends RevenueQuery {
  /** Length of each point: ms or a duration string, a whole number of the tier's buckets. */
  step: string | number;
}

export interface RevenueTotals {
  /** Currency units. */
  revenue: number;
  units: number;
  /** Purchase lines. */
  lines: number;
  /** Orders placed: counted at their first line in the scope. */
  orders: number;
}

export interface RevenueResult extends RevenueTotals {
  /** The window asked for, ms. */
  window: number;
  /** Bucket width the answer was computed at, ms. */
  resolution: number;
  /**
   * The window actually counted, [from, to): whole buckets, ending with the bucket holding `now`
   * and spanning `window` rounded up to the resolution.
   */
  from: number;
  to: number;
  /** revenue / orders; null without orders. */
  averageOrderValue: number | null;
}

export interface RevenuePoint extends RevenueTotals {
  /** [from, to) of the step, ms. */
  from: number;
  to: number;
}

export interface RevenueSeries {
  window: number;
  step: number;
  resolution: number;
  /** [from, to): `points.length` whole steps, the last ending with the bucket holding `now`. */
  from: number;
  to: number;
  /** Oldest first. */
  points: RevenuePoint[];
}

/** What a snapshot keeps of the revenue windows. */
export interface RevenueState {
  /** Newest purchase time counted, ms; −Infinity before any. */
  newest: number;
  late: number;
  expired: number;
  ignored: number;
  /** Per tier (order of the options): item rings and shop/category rings. */
  tiers: { items: BucketRingsState; scopes: BucketRingsState }[];
  /** Orders counted per scope, still remembered. */
  orders: OrderScopesState;
}

const OPTION_KEYS = new Set(['tiers', 'orderHorizon']);
const PURCHASE = EVENT_TYPE_CODE.purchase;
const TWO_32 = 2 ** 32;
/** Item and category ids must fit 31 bits: they are packed with a tag into one u32 order scope. */
const MAX_ID = 2 ** 31;
/** Channels per bucket: revenue and units as low and high words, then lines and orders. */
const REVENUE = 0;
const UNITS = 2;
const LINES = 4;
const ORDERS = 5;
const CHANNELS = 6;
/** Scope key of the whole shop in the scope rings; categories use their own ids (≥ 1). */
const SHOP = 0;
const NO_CATEGORY = (): number => 0;

function invalid(field: string, message: string): never {
  throw new AisleError('AISLE_INVALID_ARGUMENT', `revenue ${field}: ${message}`, { field });
}

/**
 * Fills defaults and checks every option.
 * Throws AisleError('AISLE_INVALID_ARGUMENT') naming the first bad field.
 */
export function resolveRevenueOptions(options: RevenueOptions = {}): ResolvedRevenueOptions {
  if (typeof options !== 'object' || options === null) invalid('options', 'must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) invalid(key, 'is not a revenue option');
  }
  const tiers = resolveTiers(options.tiers, 'revenue');
  const orderHorizonMs = parseWindow(options.orderHorizon ?? '1d', 'orderHorizon');
  const longest = tiers[tiers.length - 1]!.spanMs;
  if (orderHorizonMs > longest) {
    invalid('orderHorizon', `must be at most the longest tier's span, ${formatWindow(longest)}`);
  }
  return { tiers, orderHorizonMs };
}

interface Tier extends ResolvedTier {
  /** Per item. */
  items: BucketRings;
  /** Per scope: the shop (0) and categories (their ids). */
  scopes: BucketRings;
}

/** Order scope of the shop, a category or an item in the order table: distinct u32 keys. */
const shopScope = 0;
const categoryScope = (category: number) => 2 * category;
const itemScope = (item: number) => 2 * item + 1;

/** Revenue of the counters summed at `sums[at..at + CHANNELS)`, currency units. */
function revenueOf(sums: Float64Array, at: number): number {
  return fromCents(sums[at + REVENUE + 1]! * TWO_32 + sums[at + REVENUE]!);
}

/** Units of the counters summed at `sums[at..at + CHANNELS)`. */
function unitsOf(sums: Float64Array, at: number): number {
  return sums[at + UNITS + 1]! * TWO_32 + sums[at + UNITS]!;
}

export class Revenue {
  readonly options: ResolvedRevenueOptions;
  private readonly tiers: Tier[];
  private orders: OrderScopes;
  private newestTs = -Infinity;
  private lateCount = 0;
  private expiredCount = 0;
  private ignoredRows = 0;

  /** Throws AisleError('AISLE_INVALID_ARGUMENT') naming a bad option. */
  constructor(options: RevenueOptions = {}) {
    this.options = resolveRevenueOptions(options);
    this.tiers = this.options.tiers.map((t) => ({
      ...t,
      items: new BucketRings(t.resolutionMs, t.slots, CHANNELS),
      scopes: new BucketRings(t.resolutionMs, t.slots, CHANNELS),
    }));
    this.orders = new OrderScopes(this.options.orderHorizonMs);
  }

  /**
   * Restores revenue windows from `exportState` with the options they were built with. Throws
   * AisleError('AISLE_SNAPSHOT') when the state does not fit them. O(state).
   */
  static fromState(options: RevenueOptions, state: RevenueState): Revenue {
    const out = new Revenue(options);
    expectState(typeof state === 'object' && state !== null, 'revenue: missing');
    expectState(
      (state.newest === -Infinity || (Number.isFinite(state.newest) && state.newest >= 0)) &&
        isCount(state.late) &&
        isCount(state.expired) &&
        isCount(state.ignored) &&
        state.expired <= state.late,
      'revenue: newest or counters',
    );
    expectState(
      Array.isArray(state.tiers) && state.tiers.length === out.tiers.length,
      'revenue: tiers differ from the options',
    );
    out.tiers.forEach((tier, i) => {
      const s = state.tiers[i]!;
      expectState(typeof s === 'object' && s !== null, `revenue: tier ${i} missing`);
      tier.items = BucketRings.fromState(tier.resolutionMs, tier.slots, CHANNELS, s.items);
      tier.scopes = BucketRings.fromState(tier.resolutionMs, tier.slots, CHANNELS, s.scopes);
      expectState(
        tier.items.head === tier.scopes.head,
        `revenue: tier ${i} item and scope rings disagree`,
      );
    });
    out.orders = OrderScopes.fromState(
      out.options.orderHorizonMs,
      state.orders,
      state.newest,
      TWO_32,
    );
    out.newestTs = state.newest;
    out.lateCount = state.late;
    out.expiredCount = state.expired;
    out.ignoredRows = state.ignored;
    return out;
  }

  /** A copy of the state, consistent as of the call. O(retained buckets + remembered orders). */
  exportState(): RevenueState {
    return {
      newest: this.newestTs,
      late: this.lateCount,
      expired: this.expiredCount,
      ignored: this.ignoredRows,
      tiers: this.tiers.map((t) => ({
        items: t.items.exportState(),
        scopes: t.scopes.exportState(),
      })),
      orders: this.orders.exportState(this.newestTs),
    };
  }

  /** Newest purchase time counted (ms); −Infinity before any. */
  get newest(): number {
    return this.newestTs;
  }

  /** Lines that arrived after their bucket had left the finest tier (missing from its windows). */
  get late(): number {
    return this.lateCount;
  }

  /** Late lines older than every tier: in no window at all. */
  get expired(): number {
    return this.expiredCount;
  }

  /** Purchase rows that could not be sales (no order or item, quantity or price not positive). */
  get ignored(): number {
    return this.ignoredRows;
  }

  /** Longest window any tier can answer, ms. */
  get maxWindow(): number {
    return this.tiers[this.tiers.length - 1]!.spanMs;
  }

  /** Bytes held by the counters and the order table. */
  get bytes(): number {
    let total = this.orders.bytes;
    for (const t of this.tiers) total += t.items.bytes + t.scopes.bytes;
    return total;
  }

  /**
   * Counts the purchase lines of a batch; other rows are skipped. `categoryOf` gives an item's
   * dense category id (0 for none) at the time it is ingested. Lines may arrive out of order: one
   * is counted in every tier that still holds its bucket. O(rows × tiers).
   */
  ingest(batch: EncodedBatch, categoryOf: (item: number) => number = NO_CATEGORY): void {
    const { ts, type, item, ref, quantity, price } = batch;
    const tiers = this.tiers;
    for (let i = 0; i < batch.length; i++) {
      if (type[i] !== PURCHASE) continue;
      const t = ts[i]!;
      const it = item[i]!;
      const order = ref[i]!;
      const q = quantity[i]!;
      const cents = lineCents(q, price[i]!);
      if (order === 0 || it === 0 || it >= MAX_ID || cents < 0 || !(t >= 0)) {
        this.ignoredRows++;
        continue;
      }
      if (t > this.newestTs) this.newestTs = t;
      const newest = this.newestTs;
      let category = categoryOf(it);
      if (!(category > 0 && category < MAX_ID)) category = 0;
      const newInShop = this.orders.open(order, shopScope, t, newest);
      const newInCategory =
        category > 0 && this.orders.open(order, categoryScope(category), t, newest);
      const newInItem = this.orders.open(order, itemScope(it), t, newest);
      let held = false;
      for (let k = 0; k < tiers.length; k++) {
        const tier = tiers[k]!;
        const b = Math.floor(t / tier.resolutionMs);
        if (!tier.scopes.retains(b)) {
          if (k === 0) this.lateCount++;
          continue;
        }
        held = true;
        addLine(tier.items, it, b, cents, q, newInItem);
        addLine(tier.scopes, SHOP, b, cents, q, newInShop);
        if (category > 0) addLine(tier.scopes, category, b, cents, q, newInCategory);
      }
      if (!held) this.expiredCount++;
    }
  }

  /**
   * Renumbers item or order ids (engine/retention.ts): `map[id]` is the new id, 0 when dropped;
   * kept ids keep their order, numbered 1..`size`.
   * - item: a kept item's buckets move to its new id; a dropped item's own series goes. The shop
   *   and category rings are untouched, so their totals stay exact. The item scopes of the
   *   counted orders follow the items (a dropped item's go).
   * - order: counted orders follow their ids; a dropped order's entries go, so a late line of it
   *   (which gets a new id) counts as a new order.
   * Other kinds are not held. Throws AisleError('AISLE_INVALID_ARGUMENT') when an item with
   * buckets lies beyond the map, before changing anything. O(retained buckets + counted orders).
   */
  remap(kind: IdKind, map: Uint32Array, size: number): void {
    if (dropsNothing(map, size)) return;
    const to = (id: number): number => (id < map.length ? map[id]! : 0);
    if (kind === 'item') {
      const rings = this.tiers.map((t) => rekeyRings(t, t.items, map));
      this.tiers.forEach((t, i) => (t.items = rings[i]!));
      this.orders.rekey(
        this.newestTs,
        (o) => o,
        (scope) => {
          if ((scope & 1) === 0) return scope; // the shop (0) or a category (2c)
          const item = to(scope >>> 1);
          return item === 0 ? -1 : itemScope(item);
        },
      );
    } else if (kind === 'order') {
      this.orders.rekey(this.newestTs, to, (scope) => scope);
    }
  }

  /**
   * Revenue over the `window` ending with the bucket holding `now` (stream time, ms), for an
   * item, a category or (neither given) the whole shop, from the finest tier whose span covers
   * the window. Unknown ids give zeros. O(buckets of the window).
   *
   * Throws AisleError('AISLE_INVALID_ARGUMENT') naming the field when the window is not a
   * duration or is longer than the longest tier, when both or bad ids are given, or when `now`
   * is so far behind the newest line that the window starts before what the tier still holds.
   */
  revenue(query: RevenueQuery, now: number): RevenueResult {
    const { window, item, category } = checkWindowQuery(query, now, 'revenue');
    const tier = tierFor(this.tiers, window, 'revenue');
    const width = tier.resolutionMs;
    const rings = item === undefined ? tier.scopes : tier.items;
    const { first, last } = windowBuckets(rings, window, now, 'revenue');
    const sums = new Float64Array(CHANNELS);
    rings.sumInto(item ?? category ?? SHOP, first, last, sums);
    const revenue = revenueOf(sums, 0);
    const orders = sums[ORDERS]!;
    return {
      window,
      resolution: width,
      from: first * width,
      to: (last + 1) * width,
      revenue,
      units: unitsOf(sums, 0),
      lines: sums[LINES]!,
      orders,
      averageOrderValue: orders > 0 ? revenue / orders : null,
    };
  }

  /**
   * The window as consecutive steps of `step`, oldest first, the last ending with the bucket
   * holding `now`: ⌈window / step⌉ points (at most 1,440), from the finest tier whose buckets
   * divide the step and whose span holds every point. One walk over the key's buckets from the
   * newest back adds each bucket to its point, so a busy key costs O(buckets of the window +
   * points): a day in 1-minute steps about 0.2 ms, in 15-minute steps about 0.05 ms.
   *
   * Throws as `revenue` does, and naming `step` when it is not a duration, is longer than the
   * window, gives too many points, or fits no tier's buckets.
   */
  series(query: RevenueSeriesQuery, now: number): RevenueSeries {
    const { window, item, category } = checkWindowQuery(query, now, 'revenue');
    const { tier, step, count, per } = seriesPlan(this.tiers, window, query.step, 'revenue');
    const width = tier.resolutionMs;
    const rings = item === undefined ? tier.scopes : tier.items;
    const { first, last } = windowBuckets(rings, count * step, now, 'revenue');
    const sums = new Float64Array(count * CHANNELS);
    rings.sumSteps(item ?? category ?? SHOP, first, per, count, sums);
    const points: RevenuePoint[] = [];
    for (let p = 0; p < count; p++) {
      const from = first + p * per;
      const at = p * CHANNELS;
      points.push({
        from: from * width,
        to: (from + per) * width,
        revenue: revenueOf(sums, at),
        units: unitsOf(sums, at),
        lines: sums[at + LINES]!,
        orders: sums[at + ORDERS]!,
      });
    }
    return { window, step, resolution: width, from: first * width, to: (last + 1) * width, points };
  }
}

/**
 * Adds one line to a bucket of a key, carrying from the low words of revenue and units: the
 * bucket is located once and its counters read and written in place.
 */
function addLine(
  rings: BucketRings,
  key: number,
  bucket: number,
  cents: number,
  units: number,
  newOrder: boolean,
): void {
  const at = rings.locate(key, bucket);
  if (at < 0) return;
  rings.addAt(at, LINES, 1);
  addWide(rings, at, REVENUE, cents);
  addWide(rings, at, UNITS, units);
  if (newOrder) rings.addAt(at, ORDERS, 1);
}

/** Adds `value` to the two-word counter at `channel` of the bucket at `at`. */
function addWide(rings: BucketRings, at: number, channel: number, value: number): void {
  const lo = value % TWO_32;
  const carry = rings.counter(at, channel) + lo >= TWO_32 ? 1 : 0;
  const hi = (value - lo) / TWO_32 + carry;
  // A u32 counter keeps the sum modulo 2^32: the wrap is the carry taken above.
  if (lo > 0) rings.addAt(at, channel, lo);
  if (hi > 0) rings.addAt(at, channel + 1, hi);
}

/**
 * The rings of `tier` with every key renumbered by `map` (0 drops the key), rebuilt from their
 * state so that they hold only what the kept keys need. Keys stay ascending: the map keeps order.
 */
function rekeyRings(tier: ResolvedTier, rings: BucketRings, map: Uint32Array): BucketRings {
  const s = rings.exportState();
  const last = s.keys.length === 0 ? 0 : s.keys[s.keys.length - 1]!;
  if (last >= map.length) {
    invalid('map', `covers ids below ${map.length}, an item ring holds ${last}`);
  }
  let keys = 0;
  let entries = 0;
  for (let k = 0; k < s.keys.length; k++) {
    if (map[s.keys[k]!] === 0) continue;
    keys++;
    entries += s.lens[k]!;
  }
  const out: BucketRingsState = {
    head: s.head,
    keys: new Uint32Array(keys),
    lens: new Uint32Array(keys),
    buckets: new Uint32Array(entries),
    counts: new Uint32Array(entries * CHANNELS),
  };
  let from = 0;
  let j = 0;
  let at = 0;
  for (let k = 0; k < s.keys.length; k++) {
    const len = s.lens[k]!;
    const key = map[s.keys[k]!]!;
    if (key !== 0) {
      out.keys[j] = key;
      out.lens[j] = len;
      out.buckets.set(s.buckets.subarray(from, from + len), at);
      out.counts.set(s.counts.subarray(from * CHANNELS, (from + len) * CHANNELS), at * CHANNELS);
      j++;
      at += len;
    }
    from += len;
  }
  return BucketRings.fromState(tier.resolutionMs, tier.slots, CHANNELS, out);
}

/**
 * Buy again: which of the things a shopper bought before are they likely to need now
 * (consumables: coffee, nappies, printer ink).
 *
 * Propensity of user u for an item i they bought, with o = their orders of i, Δ = now − their
 * last purchase of i:
 *
 *     score = repeat(i) · log1p(o) · timing(Δ / interval(u, i))
 *
 * - repeat(i) = (R_i + shrink · ρ) / (B_i + shrink): the share of the item's buyers who bought
 *   it in two or more orders, shrunk toward the global share ρ = (R + 1) / (B + 2) so that an
 *   item with three buyers does not get a rate of 0 or 1 from chance.
 * - log1p(o): a shopper's own habit counts, with diminishing returns.
 * - interval(u, i): the item's typical gap between orders is the geometric mean, over its repeat
 *   buyers, of each buyer's mean gap (last − first) / (orders − 1), each gap floored at
 *   `minIntervalMs`. A geometric mean of per-buyer means is robust to the few shoppers who came
 *   back a year later, and weighs every buyer once however often they buy. The user's own mean
 *   gap, when they have one, is blended in log space with weight (o − 1) against
 *   `intervalShrink` for the item's. With neither, `defaultIntervalMs`.
 * - timing(x), x = Δ / interval: rises from `earlyFloor` (just bought) as x² to 1 when due, then
 *   decays toward `overdueFloor`, never below: an overdue staple is still a good suggestion,
 *   and a shopper who lapsed may come back.
 *
 * The item statistics are derived from the UserHistory rather than from a second ingest: the
 * history already resolves orders (several rows of one order count once), so BuyAgain listens
 * to its per-pair purchase changes and applies the difference. One source of truth, no copy of
 * the pair table, and no rule about which model must ingest first. Every statistic is a function
 * of the pairs' (orders, first, last), so a BuyAgain built over an existing history catches up by
 * scanning it; a snapshot still stores the sums so that a restore continues bit for bit.
 */
import type { IdKind } from '../activity.js';
import { AisleError } from '../errors.js';
import { dropsNothing } from '../remap-map.js';
import { expectState, isArrayOf, isCount, sum } from '../snapshot/check.js';
import type { UserHistory } from './user-history.js';

export interface BuyAgainOptions {
  /** Pseudo-buyers pulling an item's repeat rate toward the global one. */
  shrink: number;
  /** Pseudo-gaps pulling a user's own interval toward the item's. */
  intervalShrink: number;
  /** Interval assumed when neither the user nor anyone else re-bought the item (ms). */
  defaultIntervalMs: number;
  /** Floor on a gap (ms): two orders in one day are one shopping need, not a daily habit. */
  minIntervalMs: number;
  /** Timing factor right after a purchase (0..1]. */
  earlyFloor: number;
  /** Timing factor long after the item was due (0..1]. */
  overdueFloor: number;
  /** Intervals past due over which the timing factor falls by 1/e toward `overdueFloor`. */
  overdueScale: number;
}

const DAY = 24 * 60 * 60 * 1000;

export const DEFAULT_BUY_AGAIN: BuyAgainOptions = {
  shrink: 5,
  intervalShrink: 2,
  defaultIntervalMs: 30 * DAY,
  minIntervalMs: DAY,
  earlyFloor: 0.1,
  overdueFloor: 0.5,
  overdueScale: 2,
};

/** Why an item was suggested. */
export interface BuyAgainDetail {
  /** The user's orders of the item. */
  orders: number;
  /** Their last purchase of it (ms). */
  lastTs: number;
  /** The interval the timing used (ms). */
  intervalMs: number;
}

export interface BuyAgainResult {
  items: Uint32Array;
  scores: Float64Array;
  details: BuyAgainDetail[];
}

/** Per-item repeat statistics, by item id. */
export interface BuyAgainState {
  buyers: Uint32Array;
  repeatBuyers: Uint32Array;
  /** Sum over repeat buyers of log(mean gap in ms). */
  logIntervalSum: Float64Array;
}

export interface ItemRepeatStats {
  buyers: number;
  repeatBuyers: number;
  /** Shrunk repeat rate, as used in scores. */
  repeatRate: number;
  /** Typical gap between orders (ms); undefined without repeat buyers. */
  intervalMs: number | undefined;
}

function check(options: BuyAgainOptions): void {
  const o = options;
  const positive = [o.defaultIntervalMs, o.minIntervalMs, o.overdueScale];
  const unit = [o.earlyFloor, o.overdueFloor];
  const ok =
    Number.isFinite(o.shrink) &&
    o.shrink >= 0 &&
    Number.isFinite(o.intervalShrink) &&
    o.intervalShrink >= 0 &&
    positive.every((v) => Number.isFinite(v) && v > 0) &&
    unit.every((v) => Number.isFinite(v) && v > 0 && v <= 1);
  if (!ok) {
    throw new AisleError(
      'AISLE_INVALID_ARGUMENT',
      'buy again: shrinks must be >= 0, intervals and scale > 0, floors in (0, 1]',
    );
  }
}

export class BuyAgain {
  private buyers = new Uint32Array(1024);
  private repeatBuyers = new Uint32Array(1024);
  private logIntervalSum = new Float64Array(1024);
  private totalBuyers = 0;
  private totalRepeat = 0;
  private readonly detach: () => void;

  /** Follows `history` from now on, after catching up with what it already holds. */
  constructor(
    private readonly history: UserHistory,
    readonly options: BuyAgainOptions = DEFAULT_BUY_AGAIN,
    state?: BuyAgainState,
  ) {
    check(options);
    if (state === undefined) {
      history.forEachPurchase((_u, item, orders, first, last) =>
        this.apply(item, 0, 0, 0, orders, first, last),
      );
    } else {
      this.restore(state);
    }
    this.detach = history.onPurchase((_u, item, po, pf, pl, o, f, l) =>
      this.apply(item, po, pf, pl, o, f, l),
    );
  }

  /**
   * Restores the statistics from `exportState` over the history restored from the same
   * snapshot. Throws AisleError('AISLE_SNAPSHOT') when the state is malformed. O(items).
   */
  static fromState(history: UserHistory, options: BuyAgainOptions, state: BuyAgainState): BuyAgain {
    return new BuyAgain(history, options, state);
  }

  exportState(): BuyAgainState {
    return {
      buyers: this.buyers.slice(),
      repeatBuyers: this.repeatBuyers.slice(),
      logIntervalSum: this.logIntervalSum.slice(),
    };
  }

  /** Stops following the history (the model keeps answering from what it has). */
  close(): void {
    this.detach();
  }

  /** An item's repeat statistics (item 0, no item, holds those of items dropped by `remap`). */
  itemStats(item: number): ItemRepeatStats {
    const repeat = this.repeatBuyers[item] ?? 0;
    return {
      buyers: this.buyers[item] ?? 0,
      repeatBuyers: repeat,
      repeatRate: this.repeatRate(item),
      intervalMs: repeat > 0 ? Math.exp(this.logIntervalSum[item]! / repeat) : undefined,
    };
  }

  /**
   * The user's past purchases ranked by propensity to buy again at `now` (ms), best first (ties
   * by item id). O(b log b) for b items bought.
   */
  recommend(user: number, k: number, now: number): BuyAgainResult {
    const bought = this.history.boughtItems(user);
    const n = bought.length;
    const scores = new Float64Array(n);
    const details: BuyAgainDetail[] = new Array(n);
    const o = this.options;
    for (let j = 0; j < n; j++) {
      const item = bought[j]!;
      const stats = this.history.purchaseStats(user, item)!;
      const intervalMs = this.intervalOf(item, stats.orders, stats.firstTs, stats.lastTs);
      const x = Math.max(0, now - stats.lastTs) / intervalMs;
      const timing =
        x <= 1
          ? o.earlyFloor + (1 - o.earlyFloor) * x * x
          : o.overdueFloor + (1 - o.overdueFloor) * Math.exp(-(x - 1) / o.overdueScale);
      scores[j] = this.repeatRate(item) * Math.log1p(stats.orders) * timing;
      details[j] = { orders: stats.orders, lastTs: stats.lastTs, intervalMs };
    }
    const order = Array.from({ length: n }, (_, j) => j);
    order.sort((a, b) => scores[b]! - scores[a]! || bought[a]! - bought[b]!);
    const take = Math.max(0, Math.min(n, Math.floor(k)));
    const out: BuyAgainResult = {
      items: new Uint32Array(take),
      scores: new Float64Array(take),
      details: new Array<BuyAgainDetail>(take),
    };
    for (let r = 0; r < take; r++) {
      const j = order[r]!;
      out.items[r] = bought[j]!;
      out.scores[r] = scores[j]!;
      out.details[r] = details[j]!;
    }
    return out;
  }

  /**
   * Renumbers item ids (engine/retention.ts): `map[id]` is the new id, 0 when dropped; kept ids
   * keep their order, numbered 1..`size`. A kept item keeps its figures under its new id. A
   * dropped item's figures leave it but still count in the global repeat share, which is a
   * total since the start: they are pooled in slot 0 (no item has id 0), so the sums a restore
   * recomputes the totals from stay equal to them, and every kept user's scores stay exact.
   * Users: nothing here is kept per user (the history holds the pairs, and remaps them); the
   * figures a dropped buyer contributed to belong to the items and stay. The arrays are
   * reallocated to fit `size`. Throws AisleError('AISLE_INVALID_ARGUMENT') when an item with
   * figures lies beyond the map, before changing anything. O(items).
   */
  remap(kind: IdKind, map: Uint32Array, size: number): void {
    if (kind !== 'item' || dropsNothing(map, size)) return;
    for (let id = map.length; id < this.buyers.length; id++) {
      if (this.buyers[id] !== 0) {
        throw new AisleError(
          'AISLE_INVALID_ARGUMENT',
          `buy again: the item map covers ids below ${map.length}, item ${id} has buyers`,
        );
      }
    }
    const n = Math.max(1024, size + 1);
    const buyers = new Uint32Array(n);
    const repeat = new Uint32Array(n);
    const logs = new Float64Array(n);
    buyers[0] = this.buyers[0]!;
    repeat[0] = this.repeatBuyers[0]!;
    logs[0] = this.logIntervalSum[0]!;
    const end = Math.min(map.length, this.buyers.length);
    for (let id = 1; id < end; id++) {
      const to = map[id]!;
      if (to !== 0) {
        buyers[to] = this.buyers[id]!;
        repeat[to] = this.repeatBuyers[id]!;
        logs[to] = this.logIntervalSum[id]!;
      } else {
        // Only the counts enter the totals; the interval sum of slot 0 stays 0.
        buyers[0] += this.buyers[id]!;
        repeat[0] += this.repeatBuyers[id]!;
      }
    }
    this.buyers = buyers;
    this.repeatBuyers = repeat;
    this.logIntervalSum = logs;
  }

  bytes(): number {
    return this.buyers.byteLength + this.repeatBuyers.byteLength + this.logIntervalSum.byteLength;
  }

  private repeatRate(item: number): number {
    const global = (this.totalRepeat + 1) / (this.totalBuyers + 2);
    const s = this.options.shrink;
    const b = this.buyers[item] ?? 0;
    const r = this.repeatBuyers[item] ?? 0;
    return (r + s * global) / (b + s);
  }

  private intervalOf(item: number, orders: number, first: number, last: number): number {
    const o = this.options;
    const repeat = this.repeatBuyers[item] ?? 0;
    const own = orders >= 2 ? this.logGap(orders, first, last) : 0;
    if (repeat === 0) return orders >= 2 ? Math.exp(own) : o.defaultIntervalMs;
    const itemLog = this.logIntervalSum[item]! / repeat;
    const w = orders - 1;
    return Math.exp((w * own + o.intervalShrink * itemLog) / (w + o.intervalShrink));
  }

  private logGap(orders: number, first: number, last: number): number {
    return Math.log(Math.max(this.options.minIntervalMs, (last - first) / (orders - 1)));
  }

  /** Replaces one pair's contribution (orders, first, last) before → after. */
  private apply(
    item: number,
    prevOrders: number,
    prevFirst: number,
    prevLast: number,
    orders: number,
    first: number,
    last: number,
  ): void {
    this.ensure(item);
    if (prevOrders === 0 && orders > 0) {
      this.buyers[item] = this.buyers[item]! + 1;
      this.totalBuyers++;
    }
    if (prevOrders < 2 && orders >= 2) {
      this.repeatBuyers[item] = this.repeatBuyers[item]! + 1;
      this.totalRepeat++;
    }
    let delta = 0;
    if (prevOrders >= 2) delta -= this.logGap(prevOrders, prevFirst, prevLast);
    if (orders >= 2) delta += this.logGap(orders, first, last);
    if (delta !== 0) this.logIntervalSum[item] = this.logIntervalSum[item]! + delta;
  }

  private ensure(item: number): void {
    if (item < this.buyers.length) return;
    const n = Math.max(item + 1, this.buyers.length * 2);
    const buyers = new Uint32Array(n);
    buyers.set(this.buyers);
    this.buyers = buyers;
    const repeat = new Uint32Array(n);
    repeat.set(this.repeatBuyers);
    this.repeatBuyers = repeat;
    const logs = new Float64Array(n);
    logs.set(this.logIntervalSum);
    this.logIntervalSum = logs;
  }

  private restore(state: BuyAgainState): void {
    const n = state.buyers?.length ?? 0;
    expectState(
      isArrayOf(state.buyers, Uint32Array) &&
        isArrayOf(state.repeatBuyers, Uint32Array, n) &&
        isArrayOf(state.logIntervalSum, Float64Array, n),
      'buy again: item arrays',
    );
    for (let i = 0; i < n; i++) {
      expectState(
        state.repeatBuyers[i]! <= state.buyers[i]! &&
          Number.isFinite(state.logIntervalSum[i]!) &&
          (state.repeatBuyers[i] !== 0 || state.logIntervalSum[i] === 0),
        'buy again: repeat buyers exceed buyers, or a bad interval sum',
      );
    }
    const totalBuyers = sum(state.buyers);
    const totalRepeat = sum(state.repeatBuyers);
    expectState(isCount(totalBuyers) && isCount(totalRepeat), 'buy again: totals');
    this.buyers = state.buyers.slice();
    this.repeatBuyers = state.repeatBuyers.slice();
    this.logIntervalSum = state.logIntervalSum.slice();
    this.totalBuyers = totalBuyers;
    this.totalRepeat = totalRepeat;
  }
}

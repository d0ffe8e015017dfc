/**
 * The inventory view of the stream: stock levels, sales velocity, and what follows from the two
 * (days of cover, stockout risk over the lead time, reorder point, overstock), with alerts when
 * one of those conditions starts.
 *
 * Conditions are judged at stream time, after each batch, for the items the batch touched. Time
 * alone also changes them: without sales an item's velocity only falls, so its stockout risk can
 * only end and its overstock only begin. A sweep over every stocked item every `recheckDays` of
 * stream time catches those, at the cost of one velocity per item and no Poisson sums for items
 * not already at risk.
 *
 * Items without stock information raise nothing: most shops have no inventory feed for part of
 * the catalogue, and a purchase of such an item says nothing about its shelf.
 */
import type { IdKind } from '../activity.js';
import { AisleError } from '../errors.js';
import { EVENT_TYPE_CODE } from '../events.js';
import { remapKeepsAll } from '../remap-map.js';
import { expectState, isCount } from '../snapshot/check.js';
import type { EncodedBatch } from '../store/index.js';
import { AlertBook, type AlertBookState, type InventoryAlert } from './alerts.js';
import { daysOfCover, orderQuantity, reorderPoint, stockoutRisk } from './cover.js';
import { Stock, type StockState } from './stock.js';
import { DAY_MS, Velocity, type VelocityState } from './velocity.js';

export interface InventoryOptions {
  /** Half-life of the sales velocity (days, at least an hour): how fast old sales stop counting. */
  halfLifeDays: number;
  /** Shortest on-sale time a velocity is computed over (days), so one early sale is no spike. */
  minExposureDays: number;
  /** Days from ordering to the delivery arriving; the window of stockout risk. */
  leadTimeDays: number;
  /** Days until the next chance to order after this one; order quantities cover it too. */
  reviewPeriodDays: number;
  /** Probability of lead-time demand staying within the reorder point, in (0, 1). */
  serviceLevel: number;
  /** Stockout risk at which an item is flagged, in (0, 1]. */
  riskThreshold: number;
  /** Days of cover above which stock counts as overstock. */
  overstockDays: number;
  /** Units an item needs on hand before it can be overstocked (a few slow units are not). */
  overstockMinUnits: number;
  /** On-sale time before an item can be overstocked (days): a day without sales proves little. */
  minHistoryDays: number;
  /**
   * How far a measure must fall back past its threshold, as a fraction of the threshold, before
   * its alert clears, so an item hovering at the line is not raised on every other check.
   */
  clearMargin: number;
  /** Stream time between sweeps of every stocked item (days). */
  recheckDays: number;
  /** Most alerts kept in the current list, and in the undrained queue. */
  maxAlerts: number;
}

export const DEFAULT_INVENTORY: Readonly<InventoryOptions> = Object.freeze({
  halfLifeDays: 7,
  minExposureDays: 1,
  leadTimeDays: 7,
  reviewPeriodDays: 14,
  serviceLevel: 0.95,
  riskThreshold: 0.5,
  overstockDays: 120,
  overstockMinUnits: 10,
  minHistoryDays: 7,
  clearMargin: 0.2,
  recheckDays: 1,
  maxAlerts: 10_000,
});

/** One bucket of an item's stock: location 0 is the unlocated count, which purchases draw on. */
export interface LocationLevel {
  /** Location dictionary id, 0 for the unlocated bucket. */
  location: number;
  level: number;
}

export interface InventoryReport {
  /** Units on hand over all locations; undefined without stock information. */
  level: number | undefined;
  /** The buckets making up the level, when the item has named locations. */
  byLocation?: LocationLevel[];
  /** Decayed units sold per day. */
  velocityPerDay: number;
  /** Level / velocity: undefined with unknown stock, Infinity when nothing sells. */
  daysOfCover: number | undefined;
  /** Probability that lead-time demand takes the whole level; undefined with unknown stock. */
  stockoutRisk: number | undefined;
  leadTimeDays: number;
  /** Level at which to order to meet the service level over the lead time. */
  reorderPoint: number;
  /** Units to order now to cover the lead time and review period; undefined with unknown stock. */
  orderQuantity: number | undefined;
  /** Whether the item meets the overstock condition now. */
  overstock: boolean;
  /** Units sold below zero over the item's life. */
  oversoldUnits: number;
}

/** What a snapshot keeps of the inventory. */
export interface InventoryState {
  stock: StockState;
  velocity: VelocityState;
  alerts: AlertBookState;
  /** Stream time of the next sweep (epoch ms); null before the first event. */
  nextCheck: number | null;
  /** Inventory events seen for SKUs the catalogue did not list. */
  unknownSkuEvents: number;
}

function bad(field: string, message: string): AisleError {
  return new AisleError('AISLE_INVALID_ARGUMENT', `inventory options: ${message}`, { field });
}

/**
 * Defaults overlaid with `options` (undefined fields keep the default), checked. Throws
 * AisleError('AISLE_INVALID_ARGUMENT') naming the first bad field in `details.field`.
 */
export function resolveInventoryOptions(options: Partial<InventoryOptions> = {}): InventoryOptions {
  if (typeof options !== 'object' || options === null) {
    throw bad('(options)', 'options must be an object');
  }
  const o: Record<string, unknown> = { ...DEFAULT_INVENTORY };
  for (const [field, value] of Object.entries(options)) {
    if (!Object.hasOwn(DEFAULT_INVENTORY, field)) throw bad(field, `unknown option ${field}`);
    if (value !== undefined) o[field] = value;
  }
  const check = (field: keyof InventoryOptions, ok: (v: number) => boolean, what: string) => {
    const v = o[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      throw bad(field, `${field} must be ${what}, not ${String(v)}`);
    }
  };
  const positive = (v: number) => v > 0;
  const nonNegative = (v: number) => v >= 0;
  // Shorter half-lives would rescale the forward weights (O(items)) on nearly every purchase.
  check('halfLifeDays', (v) => v >= 1 / 24, 'a number of days ≥ 1/24 (an hour)');
  check('minExposureDays', positive, 'a number of days > 0');
  check('leadTimeDays', positive, 'a number of days > 0');
  check('reviewPeriodDays', nonNegative, 'a number of days ≥ 0');
  check('serviceLevel', (v) => v > 0 && v < 1, 'a probability strictly between 0 and 1');
  check('riskThreshold', (v) => v > 0 && v <= 1, 'a probability in (0, 1]');
  check('overstockDays', positive, 'a number of days > 0');
  check('overstockMinUnits', nonNegative, 'a number of units ≥ 0');
  check('minHistoryDays', nonNegative, 'a number of days ≥ 0');
  check('clearMargin', (v) => v >= 0 && v < 1, 'a fraction in [0, 1)');
  check('recheckDays', positive, 'a number of days > 0');
  check('maxAlerts', (v) => Number.isInteger(v) && v >= 1 && v <= 10_000_000, 'an integer 1..1e7');
  return o as unknown as InventoryOptions;
}

const PURCHASE = EVENT_TYPE_CODE.purchase;
const INVENTORY = EVENT_TYPE_CODE.inventory;

export class Inventory {
  readonly options: InventoryOptions;
  // Assigned once, here or in `fromState`.
  private levels: Stock;
  private velocity: Velocity;
  private book: AlertBook;
  private nextCheck: number | undefined;
  private unknownCount = 0;

  // Per-batch scratch, not state: the items a batch touched (each once, found by stamp) and
  // their oversold count before it.
  private stamp = new Uint32Array(0);
  private epoch = 0;
  private touched = new Uint32Array(256);
  private oversoldBefore = new Float64Array(256);

  /** Throws AisleError('AISLE_INVALID_ARGUMENT') naming the field of a bad option. */
  constructor(options: Partial<InventoryOptions> = {}) {
    this.options = resolveInventoryOptions(options);
    this.levels = new Stock();
    this.velocity = new Velocity(this.options.halfLifeDays * DAY_MS, this.minExposureMs);
    this.book = new AlertBook(this.options.maxAlerts);
  }

  /**
   * Restores from `exportState` with the options it was built with (the half-life must match;
   * thresholds may change). Throws AisleError('AISLE_SNAPSHOT') when the state is malformed, or
   * AisleError('AISLE_INVALID_ARGUMENT') for bad options. O(items + alerts).
   */
  static fromState(options: Partial<InventoryOptions>, state: InventoryState): Inventory {
    const out = new Inventory(options);
    expectState(typeof state === 'object' && state !== null, 'inventory: state');
    expectState(
      state.nextCheck === null || Number.isFinite(state.nextCheck),
      'inventory: nextCheck',
    );
    expectState(typeof state.velocity === 'object' && state.velocity !== null, 'velocity: state');
    expectState(typeof state.alerts === 'object' && state.alerts !== null, 'alerts: state');
    out.levels = Stock.fromState(state.stock ?? ({} as StockState));
    out.velocity = Velocity.fromState(
      out.options.halfLifeDays * DAY_MS,
      out.minExposureMs,
      state.velocity,
    );
    // The sweep walks the items velocity tracks; a stocked item past them would never be swept.
    const known = state.stock.known;
    for (let i = out.velocity.size; i < known.length; i++) {
      expectState(known[i] === 0, 'inventory: stocked item unknown to velocity');
    }
    out.book = AlertBook.fromState(out.options.maxAlerts, state.alerts);
    if (state.nextCheck !== null) out.nextCheck = state.nextCheck;
    expectState(isCount(state.unknownSkuEvents), 'inventory: unknownSkuEvents');
    out.unknownCount = state.unknownSkuEvents;
    return out;
  }

  /** A copy of the state, consistent as of the call. O(items + alerts). */
  exportState(): InventoryState {
    return {
      stock: this.levels.exportState(),
      velocity: this.velocity.exportState(),
      alerts: this.book.exportState(),
      nextCheck: this.nextCheck ?? null,
      unknownSkuEvents: this.unknownCount,
    };
  }

  /** The stock levels, for in-stock filtering; updated by `ingest` only. */
  get stock(): Stock {
    return this.levels;
  }

  /** Stream time: the newest event time seen (epoch ms); -Infinity before any event. */
  get now(): number {
    return this.velocity.newest;
  }

  /**
   * Applies a batch to levels and velocities, then checks the items it touched (and, once per
   * `recheckDays` of stream time, every stocked item). Returns the alerts raised, which are also
   * queued for `drainAlerts`. O(batch + touched items), plus O(items) on a sweep.
   */
  ingest(batch: EncodedBatch): InventoryAlert[] {
    const count = this.collectTouched(batch);
    this.levels.ingest(batch);
    this.velocity.ingest(batch);
    const now = this.velocity.newest;
    if (!Number.isFinite(now)) return [];
    const raised: InventoryAlert[] = [];
    const rate = this.velocity.at(now);
    for (let j = 0; j < count; j++) {
      const item = this.touched[j]!;
      const soldBelow = this.levels.oversold(item) - this.oversoldBefore[j]!;
      this.check(item, now, rate, soldBelow, true, raised);
    }
    const every = this.options.recheckDays * DAY_MS;
    if (this.nextCheck === undefined) this.nextCheck = now + every;
    else if (now >= this.nextCheck) {
      this.sweep(now, rate, raised);
      this.nextCheck = now + every;
    }
    return raised;
  }

  /**
   * Renumbers the ids of `kind` (engine/retention.ts); only items are held here (locations are
   * never compacted). `map[id]` is the new id of `id`, 0 when it is dropped, and kept ids run
   * 1..`size` in their old order. A dropped item's stock, velocity and alerts are forgotten (its
   * open alerts close unpublished), so it reports as an item never seen; kept items answer as
   * before under their new ids. Counters of the whole stream (unknown-SKU events, the sweep
   * clock, dropped alerts) stay. Throws AisleError('AISLE_INVALID_ARGUMENT') for a map that is
   * not a retention map. O(items + located buckets + alerts).
   */
  remap(kind: IdKind, map: Uint32Array, size: number): void {
    if (kind !== 'item') return;
    if (remapKeepsAll(map, size, 'inventory')) return;
    this.levels.remap(map, size);
    this.velocity.remap(map, size);
    this.book.remap(map, size);
    // Batch scratch: its stamps mean nothing between batches, only its size follows the ids.
    const stamps = this.stamp.length;
    this.stamp = new Uint32Array(stamps === 0 ? 0 : Math.max(1024, Math.min(size + 1, stamps)));
  }

  /** Decayed units sold per day at `now` (stream time by default). */
  velocityPerDay(item: number, now: number = this.now): number {
    return this.velocity.perDay(item, now);
  }

  /** Everything known about one item's stock at `now` (stream time by default). O(√demand). */
  report(item: number, now: number = this.now): InventoryReport {
    const o = this.options;
    const level = this.levels.level(item);
    const velocityPerDay = this.velocity.perDay(item, now);
    const cover = daysOfCover(level, velocityPerDay);
    const out: InventoryReport = {
      level,
      velocityPerDay,
      daysOfCover: cover,
      stockoutRisk:
        level === undefined ? undefined : stockoutRisk(level, velocityPerDay, o.leadTimeDays),
      leadTimeDays: o.leadTimeDays,
      reorderPoint: reorderPoint(velocityPerDay, o.leadTimeDays, o.serviceLevel),
      orderQuantity:
        level === undefined
          ? undefined
          : orderQuantity(level, velocityPerDay, o.leadTimeDays, o.reviewPeriodDays),
      overstock: level !== undefined && this.overstocked(item, level, cover!, now),
      oversoldUnits: this.levels.oversold(item),
    };
    if (level !== undefined) {
      const { locations, levels } = this.levels.locationsOf(item);
      if (locations.length > 0) {
        const byLocation: LocationLevel[] = [{ location: 0, level: this.levels.levelAt(item, 0)! }];
        for (let i = 0; i < locations.length; i++) {
          byLocation.push({ location: locations[i]!, level: levels[i]! });
        }
        out.byLocation = byLocation;
      }
    }
    return out;
  }

  /**
   * Counts an inventory event for an SKU the catalogue does not list and opens an `unknown_sku`
   * alert for it (one per item until `clearUnknown`). The stock it moved is kept: a new product
   * can arrive before its catalogue entry, and dropping the units would lose them for good.
   */
  flagUnknown(item: number, now: number, event: string): InventoryAlert | undefined {
    this.unknownCount++;
    if (this.book.isActive(item, 'unknown_sku')) return undefined;
    const r = this.report(item, now);
    const alert: InventoryAlert = {
      type: 'unknown_sku',
      item,
      ts: now,
      reason: `${event} for an SKU the catalogue does not list; stock kept, check the code`,
      level: r.level ?? 0,
      velocityPerDay: r.velocityPerDay,
      daysOfCover: r.daysOfCover ?? Infinity,
    };
    return this.book.raise(alert) ? alert : undefined;
  }

  /** Ends the item's `unknown_sku` episode (the item turned out to be real). O(1). */
  clearUnknown(item: number): void {
    this.book.clear(item, 'unknown_sku');
  }

  /** Inventory events seen for SKUs the catalogue did not list, over the inventory's life. */
  get unknownSkuEvents(): number {
    return this.unknownCount;
  }

  /** Open alerts, oldest first (at most `maxAlerts`). */
  alerts(): InventoryAlert[] {
    return this.book.current();
  }

  /** The open alerts one by one, oldest first, for a caller that stops after a page. */
  openAlerts(): IterableIterator<InventoryAlert> {
    return this.book.iterate();
  }

  /** Alerts raised since the last drain, oldest first (at most `maxAlerts`); empties the queue. */
  drainAlerts(): InventoryAlert[] {
    return this.book.drain();
  }

  /** Alerts dropped because `drainAlerts` was not called before `maxAlerts` more were raised. */
  get droppedAlerts(): number {
    return this.book.dropped;
  }

  bytes(): number {
    return (
      this.levels.bytes() +
      this.velocity.bytes() +
      this.book.bytes() +
      this.stamp.byteLength +
      this.touched.byteLength +
      this.oversoldBefore.byteLength
    );
  }

  private get minExposureMs(): number {
    return this.options.minExposureDays * DAY_MS;
  }

  /** Lists the items with a purchase or an inventory event in the batch, each once. */
  private collectTouched(batch: EncodedBatch): number {
    const { type, item, length } = batch;
    if (++this.epoch === 0xffffffff) {
      this.stamp.fill(0);
      this.epoch = 1;
    }
    const epoch = this.epoch;
    let count = 0;
    for (let i = 0; i < length; i++) {
      const t = type[i]!;
      const it = item[i]!;
      if (it === 0 || (t !== PURCHASE && t !== INVENTORY)) continue;
      if (it >= this.stamp.length) this.growStamp(it);
      if (this.stamp[it] === epoch) continue;
      this.stamp[it] = epoch;
      if (count === this.touched.length) this.growTouched();
      this.touched[count] = it;
      this.oversoldBefore[count] = this.levels.oversold(it);
      count++;
    }
    return count;
  }

  /**
   * Stocked items the batch did not touch: their levels did not move and their velocities only
   * fell, so oversell stands, a stockout risk can only end, and overstock can start or end.
   */
  private sweep(now: number, rate: (item: number) => number, raised: InventoryAlert[]): void {
    const size = this.velocity.size;
    const minUnits = this.options.overstockMinUnits;
    for (let item = 1; item < size; item++) {
      if (this.stamp[item] === this.epoch) continue;
      const level = this.levels.level(item);
      if (level === undefined) continue;
      const quiet =
        level <= minUnits &&
        !this.book.isActive(item, 'stockout_risk') &&
        !this.book.isActive(item, 'overstock');
      if (quiet) continue;
      this.check(item, now, rate, 0, false, raised);
    }
  }

  /**
   * Opens or closes the item's alerts at `now`. `full` is false in a sweep, where the level has
   * not moved: oversell is left as it is and a stockout risk is only re-measured to end it.
   */
  private check(
    item: number,
    now: number,
    rate: (item: number) => number,
    soldBelow: number,
    full: boolean,
    raised: InventoryAlert[],
  ): void {
    const level = this.levels.level(item);
    if (level === undefined || !Number.isFinite(level)) return;
    const o = this.options;
    const book = this.book;
    const v = rate(item);
    const cover = daysOfCover(level, v)!;

    if (full) {
      const negative = level < 0;
      if ((negative || soldBelow > 0) && !book.isActive(item, 'oversell')) {
        const units = soldBelow > 0 ? soldBelow : -level;
        const alert: InventoryAlert = {
          type: 'oversell',
          item,
          ts: now,
          reason: `${units} ${plural(units, 'unit')} sold beyond stock; level is now ${level}`,
          level,
          velocityPerDay: v,
          daysOfCover: cover,
          oversoldUnits: units,
        };
        if (book.raise(alert)) raised.push(alert);
      }
      // A receive in the same batch may already have paid the units back: raised, then over.
      if (!negative) book.clear(item, 'oversell');
    }

    const atRisk = book.isActive(item, 'stockout_risk');
    if (full || atRisk) {
      const risk = stockoutRisk(level, v, o.leadTimeDays);
      if (risk >= o.riskThreshold) {
        if (!atRisk) {
          const rop = reorderPoint(v, o.leadTimeDays, o.serviceLevel);
          const qty = orderQuantity(level, v, o.leadTimeDays, o.reviewPeriodDays);
          const alert: InventoryAlert = {
            type: 'stockout_risk',
            item,
            ts: now,
            reason: riskReason(level, v, cover, risk, o.leadTimeDays, rop, qty),
            level,
            velocityPerDay: v,
            daysOfCover: cover,
            risk,
            reorderPoint: rop,
            orderQuantity: qty,
          };
          if (book.raise(alert)) raised.push(alert);
        }
      } else if (atRisk && !(risk >= o.riskThreshold * (1 - o.clearMargin))) {
        book.clear(item, 'stockout_risk');
      }
    }

    const overActive = book.isActive(item, 'overstock');
    if (this.overstocked(item, level, cover, now)) {
      if (!overActive) {
        const alert: InventoryAlert = {
          type: 'overstock',
          item,
          ts: now,
          reason: overstockReason(level, v, cover, o.overstockDays),
          level,
          velocityPerDay: v,
          daysOfCover: cover,
        };
        if (book.raise(alert)) raised.push(alert);
      }
    } else if (
      overActive &&
      (level <= o.overstockMinUnits || cover < o.overstockDays * (1 - o.clearMargin))
    ) {
      book.clear(item, 'overstock');
    }
  }

  private overstocked(item: number, level: number, cover: number, now: number): boolean {
    const o = this.options;
    return (
      level > o.overstockMinUnits &&
      cover > o.overstockDays &&
      this.velocity.ageMs(item, now) >= o.minHistoryDays * DAY_MS
    );
  }

  private growStamp(item: number): void {
    const next = new Uint32Array(Math.max(item + 1, this.stamp.length * 2, 1024));
    next.set(this.stamp);
    this.stamp = next;
  }

  private growTouched(): void {
    const n = this.touched.length * 2;
    const touched = new Uint32Array(n);
    touched.set(this.touched);
    this.touched = touched;
    const before = new Float64Array(n);
    before.set(this.oversoldBefore);
    this.oversoldBefore = before;
  }
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

function rate(v: number): string {
  if (v === 0) return '0';
  return v >= 0.1 ? v.toFixed(2) : v.toPrecision(2);
}

function days(cover: number): string {
  return `${cover < 10 ? cover.toFixed(1) : Math.round(cover)} days`;
}

function riskReason(
  level: number,
  v: number,
  cover: number,
  risk: number,
  lead: number,
  rop: number,
  qty: number,
): string {
  const chance = `${(risk * 100).toFixed(risk >= 0.995 ? 0 : 1)}%`;
  const order = `reorder point ${rop}, order ${qty} ${plural(qty, 'unit')}`;
  if (level <= 0) {
    return (
      `out of stock (level ${level}) while selling ${rate(v)} units/day: ${chance} chance ` +
      `of turning demand away within the ${lead}-day lead time; ${order}`
    );
  }
  return (
    `${level} on hand covers ${days(cover)} at ${rate(v)} units/day: ${chance} chance of ` +
    `selling out within the ${lead}-day lead time; ${order}`
  );
}

function overstockReason(level: number, v: number, cover: number, threshold: number): string {
  const lasts =
    cover === Infinity ? 'with no recent sales' : `covers ${days(cover)} at ${rate(v)} units/day`;
  return `${level} on hand ${lasts}, beyond the ${threshold}-day overstock threshold`;
}

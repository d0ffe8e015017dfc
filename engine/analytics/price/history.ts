/**
 * Price history per item, kept incrementally from the event stream: the prices an item was
 * listed at (`price_change` events) and sold at (purchases), and per period the units sold and
 * the mean price paid. The input of the elasticity estimate and of markdown suggestions.
 *
 * Change points. Each source (list, sale) has its own current price; an event records a change
 * point only when its price differs from the latest one of the same source. Comparing within a
 * source keeps a promotion sold below the list price from flapping the list against the sales.
 * An event older than the latest of its source (late delivery) updates the period aggregates
 * but not the change points, which therefore read in event time. At most `maxChanges` change
 * points are kept per item, the newest.
 *
 * Periods. Period p covers [originMs + p·periodMs, originMs + (p + 1)·periodMs) of event time;
 * the default is the UTC day. Each item keeps, for the periods in which it had an event, the
 * units sold, the revenue (so the unit-weighted mean sale price) and the list price in effect
 * at the period's end. The history is a window of the latest `maxPeriods` periods of the stream
 * (default 365): the newest event time seen sets the window, older periods are dropped as items
 * are touched and never answered, and an event older than the window is counted as `expired`.
 * An item therefore holds at most `maxPeriods` periods however long the stream runs.
 *
 * Days without sales. A period in which an item had no event can mean no demand or a shop that
 * was shut (the Online Retail shop never trades on Saturdays). The history tells them apart
 * with the whole stream: a period is open when any item sold in it. `periods(item, { gaps })`
 * can add the open periods inside the item's span in which it sold nothing, at zero units.
 *
 * Prices travel as f32 in the event log; they are read back as the shortest decimal that gives
 * the same f32, so a price sent as 2.55 reads 2.55 and not 2.5499999523.
 *
 * Events the wire validation would refuse (a price or quantity not above zero, a time that is
 * not a finite epoch-ms value inside the period range) are skipped and counted as `ignored`.
 */
import type { IdKind } from '../../activity.js';
import { AisleError } from '../../errors.js';
import { EVENT_TYPE_CODE } from '../../events.js';
import { remapKeepsAll } from '../../remap-map.js';
import { expectState, isArrayOf, isCount } from '../../snapshot/check.js';
import type { EncodedBatch } from '../../store/index.js';
import { SeriesStore } from './series-store.js';

export const DAY_MS = 86_400_000;

export interface PriceHistoryOptions {
  /** Length of a period in ms: an integer, at least 1000. Default one day. */
  periodMs: number;
  /**
   * Where periods start, ms past each multiple of `periodMs` since the epoch, in
   * [0, periodMs). Default 0 (UTC midnight for days); a shop on UTC+2 would use 22 hours.
   */
  originMs: number;
  /** Periods of the window, 1..100000. Default 365 (a year of days). */
  maxPeriods: number;
  /** Change points kept per item, newest first, 1..100000. Default 256. */
  maxChanges: number;
}

export const DEFAULT_PRICE_HISTORY: Readonly<PriceHistoryOptions> = {
  periodMs: DAY_MS,
  originMs: 0,
  maxPeriods: 365,
  maxChanges: 256,
};

export type PriceSource = 'list' | 'sale';

export interface PriceChangePoint {
  /** Event time (ms) of the first event at the new price. */
  ts: number;
  price: number;
  source: PriceSource;
}

/** One period of one item. */
export interface PeriodSales {
  /** Period number (see the file header). */
  period: number;
  /** Start of the period, epoch ms. */
  start: number;
  units: number;
  /** Purchase rows. */
  lines: number;
  /** Unit-weighted mean sale price; undefined without sales. */
  meanPrice: number | undefined;
  /** List price in effect at the period's end; undefined before the item's first price_change. */
  listPrice: number | undefined;
  /**
   * The price shoppers faced, for demand analysis: the mean sale price when the item sold, else
   * the list price, else the price of the period before; undefined when nothing is known.
   */
  price: number | undefined;
  /** False for an open period added by `gaps` in which the item had no event. */
  observed: boolean;
}

export interface Velocity {
  /** Units sold per day over the open periods counted. */
  unitsPerDay: number;
  units: number;
  /** Open periods counted: the lookback, cut to the item's first period. */
  periods: number;
  /** Unit-weighted mean sale price over them; undefined without sales. */
  meanPrice: number | undefined;
}

/**
 * A snapshot: the clock and counters, the open periods, then per item (ascending ids) its
 * current prices, and its period slots and change points concatenated in item order.
 */
export interface PriceHistoryState {
  periodMs: number;
  originMs: number;
  /** Newest period seen, -1 before any event. */
  clock: number;
  ignored: number;
  expired: number;
  /** Open periods inside the window, ascending. */
  openPeriods: Uint32Array;
  items: Uint32Array;
  /** Latest list and sale price (f32, NaN = none) and the event time that set them. */
  listPrice: Float32Array;
  listTs: Float64Array;
  salePrice: Float32Array;
  saleTs: Float64Array;
  periodCounts: Uint32Array;
  periods: Uint32Array;
  units: Float64Array;
  revenue: Float64Array;
  lines: Uint32Array;
  listAt: Float32Array;
  changeCounts: Uint32Array;
  changeTs: Float64Array;
  changePrice: Float32Array;
  /** 0 = list, 1 = sale. */
  changeSource: Uint8Array;
}

const PURCHASE = EVENT_TYPE_CODE.purchase;
const PRICE_CHANGE = EVENT_TYPE_CODE.price_change;
const LIST = 0;
const SALE = 1;
/** Periods are stored as u32; the last value is kept free. */
const MAX_PERIOD = 0xfffffffe;
const MAX_BOUND = 100_000;

/** The shortest decimal that reads back as the same f32. */
export function f32Decimal(x: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const d = Number(x.toPrecision(digits));
    if (Math.fround(d) === x) return d;
  }
  return x;
}

function invalid(field: string, message: string): never {
  throw new AisleError('AISLE_INVALID_ARGUMENT', `price history: ${field} ${message}`, { field });
}

/** The options with defaults filled in. Throws AisleError('AISLE_INVALID_ARGUMENT') naming the field. */
export function priceHistoryOptions(
  options: Partial<PriceHistoryOptions> = {},
): PriceHistoryOptions {
  const o = { ...DEFAULT_PRICE_HISTORY, ...options };
  if (typeof o.periodMs !== 'number' || !Number.isSafeInteger(o.periodMs) || o.periodMs < 1000)
    invalid('periodMs', 'must be an integer number of ms, at least 1000');
  if (
    typeof o.originMs !== 'number' ||
    !Number.isSafeInteger(o.originMs) ||
    o.originMs < 0 ||
    o.originMs >= o.periodMs
  )
    invalid('originMs', 'must be an integer in [0, periodMs)');
  for (const field of ['maxPeriods', 'maxChanges'] as const) {
    const v = o[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_BOUND)
      invalid(field, `must be an integer in 1..${MAX_BOUND}`);
  }
  return o;
}

/** The cache of f32 prices read as decimals holds 2^DECIMAL_BITS entries. */
const DECIMAL_BITS = 10;
const DECIMALS = 1 << DECIMAL_BITS;
const f32Scratch = new Float32Array(1);
const f32Bits = new Uint32Array(f32Scratch.buffer);

export class PriceHistory {
  readonly options: Readonly<PriceHistoryOptions>;
  /** Every item's prices, period slots and change points (series-store.ts). */
  private readonly store = new SeriesStore();
  private itemsSeen = 0;
  private clock = -1;
  /** Open periods: ring by period mod maxPeriods, holding the period (-1 = none). */
  private readonly openTag: Float64Array;
  private ignoredRows = 0;
  private expiredRows = 0;
  /** Direct-mapped cache of f32 prices read as decimals: sales mostly repeat a few prices. */
  private readonly decimalRaw = new Float32Array(DECIMALS).fill(NaN);
  private readonly decimalValue = new Float64Array(DECIMALS);

  /** Throws AisleError('AISLE_INVALID_ARGUMENT') naming the field of a bad option. */
  constructor(options: Partial<PriceHistoryOptions> = {}) {
    this.options = Object.freeze(priceHistoryOptions(options));
    this.openTag = new Float64Array(this.options.maxPeriods).fill(-1);
  }

  /**
   * Restores a history from `exportState`. The options' periodMs and originMs must be those the
   * state was built with; a smaller maxPeriods or maxChanges keeps the newest. Throws
   * AisleError('AISLE_SNAPSHOT') naming what is malformed. O(state).
   */
  static fromState(options: Partial<PriceHistoryOptions>, state: PriceHistoryState): PriceHistory {
    const out = new PriceHistory(options);
    const o = out.options;
    expectState(typeof state === 'object' && state !== null, 'price history: not an object');
    expectState(
      state.periodMs === o.periodMs && state.originMs === o.originMs,
      'price history: built with another periodMs or originMs',
    );
    expectState(
      Number.isInteger(state.clock) &&
        state.clock >= -1 &&
        state.clock <= MAX_PERIOD &&
        isCount(state.ignored) &&
        isCount(state.expired),
      'price history: clock or counters',
    );
    out.clock = state.clock;
    out.ignoredRows = state.ignored;
    out.expiredRows = state.expired;
    expectState(isArrayOf(state.openPeriods, Uint32Array), 'price history: open periods');
    const lo = out.windowStart();
    for (let i = 0; i < state.openPeriods.length; i++) {
      const p = state.openPeriods[i]!;
      expectState(
        p <= state.clock && (i === 0 || p > state.openPeriods[i - 1]!),
        'price history: open periods out of order',
      );
      if (p >= lo) out.openTag[p % o.maxPeriods] = p;
    }

    const n = state.items?.length ?? 0;
    expectState(
      isArrayOf(state.items, Uint32Array) &&
        isArrayOf(state.listPrice, Float32Array, n) &&
        isArrayOf(state.listTs, Float64Array, n) &&
        isArrayOf(state.salePrice, Float32Array, n) &&
        isArrayOf(state.saleTs, Float64Array, n) &&
        isArrayOf(state.periodCounts, Uint32Array, n) &&
        isArrayOf(state.changeCounts, Uint32Array, n),
      'price history: item arrays',
    );
    const m = state.periods?.length ?? 0;
    expectState(
      isArrayOf(state.periods, Uint32Array) &&
        isArrayOf(state.units, Float64Array, m) &&
        isArrayOf(state.revenue, Float64Array, m) &&
        isArrayOf(state.lines, Uint32Array, m) &&
        isArrayOf(state.listAt, Float32Array, m),
      'price history: period arrays',
    );
    const c = state.changeTs?.length ?? 0;
    expectState(
      isArrayOf(state.changeTs, Float64Array) &&
        isArrayOf(state.changePrice, Float32Array, c) &&
        isArrayOf(state.changeSource, Uint8Array, c),
      'price history: change arrays',
    );
    const priceOk = (v: number, ts: number) =>
      Number.isNaN(v) ? ts === -Infinity : v > 0 && Number.isFinite(v) && Number.isFinite(ts);
    let slot = 0;
    let change = 0;
    for (let k = 0; k < n; k++) {
      const item: number = state.items[k]!;
      expectState(
        k === 0 ? item > 0 : item > state.items[k - 1]!,
        'price history: items out of order or item 0',
      );
      const st = out.store;
      st.create(item);
      const list = (st.list[item] = state.listPrice[k]!);
      const listTs = (st.listTs[item] = state.listTs[k]!);
      const sale = (st.sale[item] = state.salePrice[k]!);
      const saleTs = (st.saleTs[item] = state.saleTs[k]!);
      expectState(priceOk(list, listTs) && priceOk(sale, saleTs), 'price history: prices');
      const count = state.periodCounts[k]!;
      expectState(slot + count <= m, 'price history: period counts');
      // Only the periods inside the window, and at most maxPeriods of them (the newest).
      let from = slot;
      while (from < slot + count && state.periods[from]! < lo) from++;
      from = Math.max(from, slot + count - o.maxPeriods);
      st.reservePeriods(item, slot + count - from, o.maxPeriods);
      for (let j = slot; j < slot + count; j++) {
        const p = state.periods[j]!;
        const units = state.units[j]!;
        const revenue = state.revenue[j]!;
        const listAt = state.listAt[j]!;
        expectState(
          p <= state.clock &&
            (j === slot || p > state.periods[j - 1]!) &&
            Number.isFinite(units) &&
            units >= 0 &&
            Number.isFinite(revenue) &&
            revenue >= 0 &&
            (Number.isNaN(listAt) || (listAt > 0 && Number.isFinite(listAt))),
          'price history: period slot',
        );
        if (j < from) continue;
        const at = st.pAt[item]! + st.pHead[item]! + st.pCount[item]!;
        st.insertPeriod(item, at, p, listAt);
        st.units[at] = units;
        st.revenue[at] = revenue;
        st.lines[at] = state.lines[j]!;
      }
      slot += count;
      const changes = state.changeCounts[k]!;
      expectState(change + changes <= c, 'price history: change counts');
      for (let j = Math.max(change, change + changes - o.maxChanges); j < change + changes; j++) {
        const price = state.changePrice[j]!;
        expectState(
          Number.isFinite(state.changeTs[j]!) &&
            price > 0 &&
            Number.isFinite(price) &&
            state.changeSource[j]! <= SALE,
          'price history: change point',
        );
        st.addChange(item, state.changeTs[j]!, price, state.changeSource[j]!, out.ringLimit());
      }
      change += changes;
      out.itemsSeen++;
    }
    expectState(slot === m && change === c, 'price history: counts do not cover the arrays');
    return out;
  }

  /** A copy of the state, as of the call; periods already out of the window are left out. O(state). */
  exportState(): PriceHistoryState {
    const lo = this.windowStart();
    const st = this.store;
    const ids = this.items();
    let slots = 0;
    let changes = 0;
    for (const item of ids) {
      slots += this.liveFrom(item, lo).count;
      changes += st.cCount[item]!;
    }
    const n = ids.length;
    const state: PriceHistoryState = {
      periodMs: this.options.periodMs,
      originMs: this.options.originMs,
      clock: this.clock,
      ignored: this.ignoredRows,
      expired: this.expiredRows,
      openPeriods: Uint32Array.from(this.openPeriodsFrom(lo)),
      items: Uint32Array.from(ids),
      listPrice: new Float32Array(n),
      listTs: new Float64Array(n),
      salePrice: new Float32Array(n),
      saleTs: new Float64Array(n),
      periodCounts: new Uint32Array(n),
      periods: new Uint32Array(slots),
      units: new Float64Array(slots),
      revenue: new Float64Array(slots),
      lines: new Uint32Array(slots),
      listAt: new Float32Array(slots),
      changeCounts: new Uint32Array(n),
      changeTs: new Float64Array(changes),
      changePrice: new Float32Array(changes),
      changeSource: new Uint8Array(changes),
    };
    let at = 0;
    let ch = 0;
    for (let k = 0; k < n; k++) {
      const item = ids[k]!;
      state.listPrice[k] = st.list[item]!;
      state.listTs[k] = st.listTs[item]!;
      state.salePrice[k] = st.sale[item]!;
      state.saleTs[k] = st.saleTs[item]!;
      const { start, count } = this.liveFrom(item, lo);
      state.periodCounts[k] = count;
      const end = start + count;
      state.periods.set(st.period.subarray(start, end), at);
      state.units.set(st.units.subarray(start, end), at);
      state.revenue.set(st.revenue.subarray(start, end), at);
      state.lines.set(st.lines.subarray(start, end), at);
      state.listAt.set(st.listAt.subarray(start, end), at);
      at += count;
      const points = st.cCount[item]!;
      state.changeCounts[k] = points;
      for (let i = 0; i < points; i++, ch++) {
        const j = st.changeAt(item, i);
        state.changeTs[ch] = st.cTs[j]!;
        state.changePrice[ch] = st.cPrice[j]!;
        state.changeSource[ch] = st.cSource[j]!;
      }
    }
    return state;
  }

  /** Applies the purchases and price changes of one batch. O(batch), amortised. */
  ingest(batch: EncodedBatch): void {
    const { type, item, ts, price, quantity, length } = batch;
    const { periodMs, originMs } = this.options;
    const st = this.store;
    const maxChanges = this.ringLimit();
    for (let i = 0; i < length; i++) {
      const t = type[i]!;
      if (t !== PURCHASE && t !== PRICE_CHANGE) continue;
      const it = item[i]!;
      const at = ts[i]!;
      const raw = price[i]!;
      const q = t === PURCHASE ? quantity[i]! : 0;
      const period = Math.floor((at - originMs) / periodMs);
      if (
        it === 0 ||
        !(raw > 0 && Number.isFinite(raw)) ||
        !(period >= 0 && period <= MAX_PERIOD) ||
        (t === PURCHASE && !(q > 0))
      ) {
        this.ignoredRows++;
        continue;
      }
      if (period > this.clock) this.clock = period;
      if (period < this.windowStart()) {
        this.expiredRows++;
        continue;
      }
      if (!st.holds(it)) {
        st.create(it);
        this.itemsSeen++;
      }
      const slot = this.slot(it, period);
      if (t === PURCHASE) {
        this.openTag[period % this.options.maxPeriods] = period;
        st.units[slot] = st.units[slot]! + q;
        st.revenue[slot] = st.revenue[slot]! + this.decimal(raw) * q;
        st.lines[slot] = st.lines[slot]! + 1;
        if (at >= st.saleTs[it]!) {
          if (raw !== st.sale[it]) st.addChange(it, at, raw, SALE, maxChanges);
          st.sale[it] = raw;
          st.saleTs[it] = at;
        }
      } else if (at >= st.listTs[it]!) {
        if (raw !== st.list[it]) st.addChange(it, at, raw, LIST, maxChanges);
        st.list[it] = raw;
        st.listTs[it] = at;
        // The new price holds from this period on, in the periods already opened too.
        const end = st.pAt[it]! + st.pHead[it]! + st.pCount[it]!;
        const listAt = st.listAt;
        for (let j = slot; j < end; j++) listAt[j] = raw;
      }
    }
  }

  /**
   * Renumbers the ids of `kind` (engine/retention.ts); only items are held here. `map[id]` is the
   * new id of `id`, 0 when it is dropped, and kept ids run 1..`size` in their old order. A dropped
   * item's prices, periods and change points are forgotten, so it has no history; kept items move
   * with theirs untouched. The stream's clock, counters and open periods (a period is open when
   * any item sold in it, a dropped one included) stay. Other kinds are ignored. Throws
   * AisleError('AISLE_INVALID_ARGUMENT') for a map that is not a retention map. O(items).
   */
  remap(kind: IdKind, map: Uint32Array, size: number): void {
    if (kind !== 'item' || remapKeepsAll(map, size, 'price history')) return;
    this.itemsSeen = this.store.remap(map, size);
  }

  /** The item's change points, oldest first. */
  changes(item: number): PriceChangePoint[] {
    const st = this.store;
    if (!st.holds(item)) return [];
    const out: PriceChangePoint[] = [];
    for (let i = 0; i < st.cCount[item]!; i++) {
      const j = st.changeAt(item, i);
      out.push({
        ts: st.cTs[j]!,
        price: f32Decimal(st.cPrice[j]!),
        source: st.cSource[j] === LIST ? 'list' : 'sale',
      });
    }
    return out;
  }

  /**
   * The item's periods inside the window, oldest first. With `gaps`, the open periods between
   * its first and last period in which it had no event are added at zero units (see the file
   * header); periods after its last event are not, since the item may have left the range.
   */
  periods(item: number, opts: { gaps?: boolean } = {}): PeriodSales[] {
    const st = this.store;
    if (!st.holds(item)) return [];
    const { periodMs, originMs } = this.options;
    const { start, count } = this.liveFrom(item, this.windowStart());
    const out: PeriodSales[] = [];
    let carried: number | undefined;
    let listCarried: number | undefined;
    for (let j = start; j < start + count; j++) {
      const p = st.period[j]!;
      if (opts.gaps === true && j > start) {
        for (let q = st.period[j - 1]! + 1; q < p; q++) {
          if (!this.isOpen(q)) continue;
          out.push({
            period: q,
            start: originMs + q * periodMs,
            units: 0,
            lines: 0,
            meanPrice: undefined,
            listPrice: listCarried,
            price: listCarried ?? carried,
            observed: false,
          });
        }
      }
      const units = st.units[j]!;
      const meanPrice = units > 0 ? st.revenue[j]! / units : undefined;
      const rawList = st.listAt[j]!;
      const listPrice = Number.isNaN(rawList) ? undefined : f32Decimal(rawList);
      const price = meanPrice ?? listPrice ?? carried;
      out.push({
        period: p,
        start: originMs + p * periodMs,
        units,
        lines: st.lines[j]!,
        meanPrice,
        listPrice,
        price,
        observed: true,
      });
      carried = price;
      listCarried = listPrice;
    }
    return out;
  }

  /**
   * Units per day over the last `lookback` open periods (cut to the item's first period in the
   * window), with the mean price paid over them: the pace of sales at the current price when
   * the lookback starts after the last price change. Undefined for an unknown item or when no
   * period in that range was open.
   */
  velocity(item: number, lookback = 14): Velocity | undefined {
    if (!(Number.isInteger(lookback) && lookback >= 1))
      invalid('lookback', 'must be an integer of at least 1');
    const st = this.store;
    if (!st.holds(item)) return undefined;
    const { start, count } = this.liveFrom(item, this.windowStart());
    if (count === 0) return undefined;
    const from = Math.max(
      this.clock - Math.min(lookback, this.options.maxPeriods) + 1,
      st.period[start]!,
    );
    let open = 0;
    for (let p = from; p <= this.clock; p++) if (this.isOpen(p)) open++;
    if (open === 0) return undefined;
    let units = 0;
    let revenue = 0;
    for (let j = start; j < start + count; j++) {
      if (st.period[j]! < from) continue;
      units += st.units[j]!;
      revenue += st.revenue[j]!;
    }
    return {
      unitsPerDay: units / ((open * this.options.periodMs) / DAY_MS),
      units,
      periods: open,
      meanPrice: units > 0 ? revenue / units : undefined,
    };
  }

  /** Latest list price (price_change), undefined if none was seen. */
  listPrice(item: number): number | undefined {
    if (!this.store.holds(item)) return undefined;
    const raw = this.store.list[item]!;
    return Number.isNaN(raw) ? undefined : f32Decimal(raw);
  }

  /** Latest price paid (by event time). */
  lastSalePrice(item: number): number | undefined {
    if (!this.store.holds(item)) return undefined;
    const raw = this.store.sale[item]!;
    return Number.isNaN(raw) ? undefined : f32Decimal(raw);
  }

  /** The list price, or without one the latest price paid. */
  currentPrice(item: number): number | undefined {
    return this.listPrice(item) ?? this.lastSalePrice(item);
  }

  /** Ids of the items with a history, ascending. */
  items(): number[] {
    const out: number[] = [];
    const has = this.store.has;
    for (let item = 0; item < has.length; item++) if (has[item] === 1) out.push(item);
    return out;
  }

  get itemCount(): number {
    return this.itemsSeen;
  }

  /** Newest period seen; undefined before the first event. */
  get latestPeriod(): number | undefined {
    return this.clock < 0 ? undefined : this.clock;
  }

  /** Rows skipped as malformed (a price or quantity not above zero, a time out of range). */
  get ignored(): number {
    return this.ignoredRows;
  }

  /** Rows older than the window when they arrived. */
  get expired(): number {
    return this.expiredRows;
  }

  /** True when some item sold in period `p` and `p` is inside the window. */
  isOpen(p: number): boolean {
    return p >= this.windowStart() && this.openTag[p % this.options.maxPeriods] === p;
  }

  /**
   * Change points a ring holds. The rings once started at two points and only grew, so
   * `maxChanges: 1` keeps two; kept as it was so no answer changes.
   */
  private ringLimit(): number {
    return Math.max(this.options.maxChanges, 2);
  }

  private windowStart(): number {
    return this.clock - this.options.maxPeriods + 1;
  }

  private openPeriodsFrom(lo: number): number[] {
    const out: number[] = [];
    for (let p = Math.max(lo, 0); p <= this.clock; p++) if (this.isOpen(p)) out.push(p);
    return out;
  }

  /** The item's live slots (slab indices) from period `lo` on. */
  private liveFrom(item: number, lo: number): { start: number; count: number } {
    const st = this.store;
    let start = st.pAt[item]! + st.pHead[item]!;
    const end = start + st.pCount[item]!;
    while (start < end && st.period[start]! < lo) start++;
    return { start, count: end - start };
  }

  /** `f32Decimal(raw)`, cached. */
  private decimal(raw: number): number {
    f32Scratch[0] = raw;
    const h = Math.imul(f32Bits[0]!, 0x9e3779b1) >>> (32 - DECIMAL_BITS);
    if (this.decimalRaw[h] === raw) return this.decimalValue[h]!;
    const d = f32Decimal(raw);
    this.decimalRaw[h] = raw;
    this.decimalValue[h] = d;
    return d;
  }

  /**
   * Slab index of the item's slot of `period`, opened if missing. `period` is inside the window.
   * Indices into the period slab taken before the call are stale after it.
   */
  private slot(item: number, period: number): number {
    const st = this.store;
    let head = st.pAt[item]! + st.pHead[item]!;
    let count = st.pCount[item]!;
    if (count > 0 && st.period[head + count - 1] === period) return head + count - 1;
    // Drop what fell out of the window; what is left, with `period`, fits in maxPeriods.
    const lo = this.windowStart();
    while (count > 0 && st.period[head]! < lo) {
      head++;
      count--;
    }
    st.pHead[item] = head - st.pAt[item]!;
    st.pCount[item] = count;
    let at = head + count;
    if (count > 0 && period < st.period[at - 1]!) {
      // A late event: binary search among the earlier periods.
      let a = head;
      let b = at;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (st.period[mid]! < period) a = mid + 1;
        else b = mid;
      }
      if (a < at && st.period[a] === period) return a;
      at = a;
    }
    const offset = at - head;
    st.reservePeriods(item, count + 1, this.options.maxPeriods);
    head = st.pAt[item]! + st.pHead[item]!;
    at = head + offset;
    // A new latest period starts at the current list price; a late one at the one before it.
    const listAt = offset === count ? st.list[item]! : offset > 0 ? st.listAt[at - 1]! : NaN;
    st.insertPeriod(item, at, period, listAt);
    return at;
  }
}

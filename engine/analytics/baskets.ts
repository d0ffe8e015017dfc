/**
 * Basket statistics: what an order holds (lines, units, value), per order and over every order
 * since the stream began.
 *
 * Each order's lines, units and value live in dense typed arrays by order id (20 bytes an order),
 * so lines of one order may arrive in any batches and interleave with other orders. Totals are
 * running sums. Medians and 90th percentiles come from logarithmic histograms (histogram.ts): as
 * a line grows its order, the order moves from one bin to another, so quantiles always describe
 * the orders as they stand. A quantile is the nearest-rank one within a relative error α (0.5% by
 * default) plus ½ from rounding to an integer, and exact below 1/(2α) (100): basket sizes are in
 * practice exact, order values within 0.5% (plus half a cent).
 *
 * Every purchase row counts, with or without a user. Rows that cannot be sales (no order, a
 * quantity or price that is not positive) are counted as ignored. Windows of time (orders and
 * revenue per hour, per day) are revenue.ts's.
 */
import type { IdKind } from '../activity.js';
import { AisleError } from '../errors.js';
import { EVENT_TYPE_CODE } from '../events.js';
import { dropsNothing } from '../remap-map.js';
import { expectState, isArrayOf, isCount } from '../snapshot/check.js';
import type { EncodedBatch } from '../store/index.js';
import { LogHistogram } from './histogram.js';
import { fromCents, lineCents } from './money.js';

const PURCHASE = EVENT_TYPE_CODE.purchase;

export interface BasketOptions {
  /** Relative error α of the quantiles, in [0.001, 0.05]. Default 0.005. */
  relativeError?: number;
}

/** The options in force. */
export interface ResolvedBasketOptions {
  relativeError: number;
}

/**
 * What a snapshot keeps: the per-order arrays and, once a compaction dropped orders, what those
 * orders still add (the totals and histograms follow from the two).
 */
export interface BasketState {
  /** Purchase rows that could not be sales. */
  ignored: number;
  /** Per order id (index 0 unused): lines, 0 for an id without any. */
  lines: Uint32Array;
  /** Per order id: units. */
  units: Float64Array;
  /** Per order id: value, cents. */
  value: Float64Array;
  /** Absent until `remap` dropped an order with lines. */
  retired?: RetiredBasketsState;
}

/**
 * The orders a compaction dropped, as the totals and quantiles since the start still count
 * them: their sums, and per measure one value of each histogram bin they fell in with how many
 * fell there (re-adding the value that often fills the same bin). Sorted by bin.
 */
export interface RetiredBasketsState {
  orders: number;
  lines: number;
  units: number;
  /** Value, cents. */
  cents: number;
  /** Orders of one line. */
  singles: number;
  valueSamples: Float64Array;
  valueCounts: Float64Array;
  linesSamples: Float64Array;
  linesCounts: Float64Array;
  unitsSamples: Float64Array;
  unitsCounts: Float64Array;
}

/** One order as it stands. */
export interface Basket {
  order: number;
  lines: number;
  units: number;
  /** Currency units. */
  value: number;
}

export interface BasketQuantiles {
  median: number;
  p90: number;
}

export interface BasketStats {
  orders: number;
  lines: number;
  units: number;
  /** Value of every order, currency units. */
  revenue: number;
  /** Means per order; null before the first order. */
  linesPerOrder: number | null;
  unitsPerOrder: number | null;
  meanOrderValue: number | null;
  /** Orders of exactly one line (one product, in any quantity), of all orders; null before any. */
  singleLineShare: number | null;
  /** Nearest-rank quantiles of order value (currency units); null before the first order. */
  orderValue: BasketQuantiles | null;
  /** Of lines per order. */
  basketLines: BasketQuantiles | null;
  /** Of units per order. */
  basketUnits: BasketQuantiles | null;
  /** α of the quantiles. */
  relativeError: number;
}

export type BasketMeasure = 'value' | 'lines' | 'units';

const OPTION_KEYS = new Set(['relativeError']);

function invalid(field: string, message: string): never {
  throw new AisleError('AISLE_INVALID_ARGUMENT', `baskets ${field}: ${message}`, { field });
}

/** Fills defaults and checks every option. Throws AisleError naming the first bad field. */
export function resolveBasketOptions(options: BasketOptions = {}): ResolvedBasketOptions {
  if (typeof options !== 'object' || options === null) invalid('options', 'must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) invalid(key, 'is not a basket option');
  }
  const relativeError = options.relativeError ?? 0.005;
  if (typeof relativeError !== 'number' || !(relativeError >= 0.001 && relativeError <= 0.05)) {
    invalid('relativeError', `must be a number in [0.001, 0.05], not ${String(relativeError)}`);
  }
  return { relativeError };
}

export class Baskets {
  readonly options: ResolvedBasketOptions;
  private lines: Uint32Array = new Uint32Array(0);
  private units: Float64Array = new Float64Array(0);
  private value: Float64Array = new Float64Array(0);
  /** Per-order length in use: the largest order id seen + 1. */
  private bound = 0;
  private orderCount = 0;
  private lineCount = 0;
  private unitCount = 0;
  private cents = 0;
  private singles = 0;
  private ignoredRows = 0;
  private readonly byValue: LogHistogram;
  private readonly byLines: LogHistogram;
  private readonly byUnits: LogHistogram;
  /** What orders dropped by `remap` add to the totals and histograms; undefined before any. */
  private retired: RetiredBaskets | undefined;

  /** Throws AisleError('AISLE_INVALID_ARGUMENT') naming a bad option. */
  constructor(options: BasketOptions = {}) {
    this.options = resolveBasketOptions(options);
    const alpha = this.options.relativeError;
    this.byValue = new LogHistogram(alpha);
    this.byLines = new LogHistogram(alpha);
    this.byUnits = new LogHistogram(alpha);
  }

  /**
   * Restores baskets from `exportState`, rebuilding totals and histograms. Throws
   * AisleError('AISLE_SNAPSHOT') when the arrays disagree or hold an impossible order. O(orders).
   */
  static fromState(options: BasketOptions, state: BasketState): Baskets {
    const out = new Baskets(options);
    expectState(typeof state === 'object' && state !== null, 'baskets: missing');
    const n = state.lines?.length ?? 0;
    expectState(
      isArrayOf(state.lines, Uint32Array) &&
        isArrayOf(state.units, Float64Array, n) &&
        isArrayOf(state.value, Float64Array, n) &&
        isCount(state.ignored),
      'baskets: arrays or counters',
    );
    for (let o = 0; o < n; o++) {
      const lines = state.lines[o]!;
      const units = state.units[o]!;
      const value = state.value[o]!;
      if (lines === 0) {
        expectState(units === 0 && value === 0, `baskets: order ${o} has no lines`);
        continue;
      }
      expectState(
        o > 0 &&
          Number.isSafeInteger(units) &&
          units >= lines &&
          Number.isSafeInteger(value) &&
          value >= 0,
        `baskets: order ${o}`,
      );
      out.count(lines, units, value);
    }
    if (state.retired !== undefined) out.restoreRetired(state.retired);
    out.lines = state.lines.slice();
    out.units = state.units.slice();
    out.value = state.value.slice();
    out.bound = n;
    out.ignoredRows = state.ignored;
    return out;
  }

  /** A copy of the state, consistent as of the call. O(orders). */
  exportState(): BasketState {
    const out: BasketState = {
      ignored: this.ignoredRows,
      lines: this.lines.slice(0, this.bound),
      units: this.units.slice(0, this.bound),
      value: this.value.slice(0, this.bound),
    };
    if (this.retired !== undefined) out.retired = this.retired.exportState();
    return out;
  }

  /**
   * Renumbers order ids (engine/retention.ts): `map[id]` is the new id, 0 when dropped; kept ids
   * keep their order, numbered 1..`size`. A kept order's record moves to its new id; a dropped
   * order's record goes, so a late line of it (which gets a new id) counts as a new order. The
   * totals and quantiles are over every order since the start and stay exactly as they are; what
   * dropped orders add to them is kept in a summary bounded by the histogram bins, so that a
   * snapshot restores them. Arrays are reallocated to fit. Other kinds are not held. Throws
   * AisleError('AISLE_INVALID_ARGUMENT') when an order with lines lies beyond the map, before
   * changing anything. O(orders).
   */
  remap(kind: IdKind, map: Uint32Array, size: number): void {
    if (kind !== 'order' || dropsNothing(map, size)) return;
    for (let o = map.length; o < this.bound; o++) {
      if (this.lines[o] !== 0)
        invalid('map', `covers orders below ${map.length}, order ${o} has lines`);
    }
    const end = Math.min(this.bound, map.length);
    let bound = 0;
    for (let o = 1; o < end; o++) if (this.lines[o] !== 0 && map[o] !== 0) bound = map[o]! + 1;
    const cap = Math.max(bound, 64);
    const lines = new Uint32Array(cap);
    const units = new Float64Array(cap);
    const value = new Float64Array(cap);
    for (let o = 1; o < end; o++) {
      const l = this.lines[o]!;
      if (l === 0) continue;
      const to = map[o]!;
      if (to !== 0) {
        lines[to] = l;
        units[to] = this.units[o]!;
        value[to] = this.value[o]!;
      } else {
        this.retired ??= new RetiredBaskets(this.options.relativeError);
        this.retired.add(l, this.units[o]!, this.value[o]!);
      }
    }
    this.lines = lines;
    this.units = units;
    this.value = value;
    this.bound = bound;
  }

  /** Orders with at least one line. */
  get orders(): number {
    return this.orderCount;
  }

  /** Purchase rows that could not be sales and were left out. */
  get ignored(): number {
    return this.ignoredRows;
  }

  /** Bytes held by the per-order arrays and the histograms. */
  get bytes(): number {
    return (
      this.lines.byteLength +
      this.units.byteLength +
      this.value.byteLength +
      this.byValue.bytes +
      this.byLines.bytes +
      this.byUnits.bytes
    );
  }

  /** Adds the purchase rows of a batch to their orders. O(rows), amortised. */
  ingest(batch: EncodedBatch): void {
    const { type, ref, quantity, price } = batch;
    for (let i = 0; i < batch.length; i++) {
      if (type[i] !== PURCHASE) continue;
      const o = ref[i]!;
      const q = quantity[i]!;
      const cents = lineCents(q, price[i]!);
      if (o === 0 || cents < 0) {
        this.ignoredRows++;
        continue;
      }
      if (o >= this.bound) this.grow(o + 1);
      const lines = this.lines[o]!;
      if (lines > 0) this.uncount(lines, this.units[o]!, this.value[o]!);
      const units = (this.units[o] = this.units[o]! + q);
      const value = (this.value[o] = this.value[o]! + cents);
      this.lines[o] = lines + 1;
      this.count(lines + 1, units, value);
    }
  }

  /** One order as it stands; undefined for an id without lines. O(1). */
  basket(order: number): Basket | undefined {
    if (!Number.isSafeInteger(order) || order <= 0 || order >= this.bound) return undefined;
    const lines = this.lines[order]!;
    if (lines === 0) return undefined;
    return { order, lines, units: this.units[order]!, value: fromCents(this.value[order]!) };
  }

  /** Totals, means, shares and quantiles over every order. O(histogram bins in use). */
  stats(): BasketStats {
    const n = this.orderCount;
    const per = (total: number) => (n > 0 ? total / n : null);
    const both = (h: LogHistogram, scale: (v: number) => number): BasketQuantiles | null =>
      n > 0 ? { median: scale(h.quantile(0.5)!), p90: scale(h.quantile(0.9)!) } : null;
    const same = (v: number) => v;
    return {
      orders: n,
      lines: this.lineCount,
      units: this.unitCount,
      revenue: fromCents(this.cents),
      linesPerOrder: per(this.lineCount),
      unitsPerOrder: per(this.unitCount),
      meanOrderValue: n > 0 ? fromCents(this.cents / n) : null,
      singleLineShare: per(this.singles),
      orderValue: both(this.byValue, fromCents),
      basketLines: both(this.byLines, same),
      basketUnits: both(this.byUnits, same),
      relativeError: this.options.relativeError,
    };
  }

  /**
   * The nearest-rank `q`-quantile of a measure over orders (value in currency units), within the
   * stated error; null before the first order. Throws AisleError naming `measure` or `q`.
   */
  quantile(measure: BasketMeasure, q: number): number | null {
    if (typeof q !== 'number' || !(q >= 0 && q <= 1)) {
      invalid('q', `must be a number in [0, 1], not ${String(q)}`);
    }
    switch (measure) {
      case 'value': {
        const v = this.byValue.quantile(q);
        return v === null ? null : fromCents(v);
      }
      case 'lines':
        return this.byLines.quantile(q);
      case 'units':
        return this.byUnits.quantile(q);
      default:
        return invalid('measure', `must be value, lines or units, not ${String(measure)}`);
    }
  }

  private grow(n: number): void {
    if (n > this.lines.length) {
      const cap = Math.max(n, this.lines.length * 2, 64);
      const lines = new Uint32Array(cap);
      lines.set(this.lines);
      const units = new Float64Array(cap);
      units.set(this.units);
      const value = new Float64Array(cap);
      value.set(this.value);
      this.lines = lines;
      this.units = units;
      this.value = value;
    }
    this.bound = n;
  }

  /** Adds an order of these sizes to the totals and histograms. */
  private count(lines: number, units: number, value: number): void {
    this.orderCount++;
    if (lines === 1) this.singles++;
    this.lineCount += lines;
    this.unitCount += units;
    this.cents += value;
    this.byValue.add(value);
    this.byLines.add(lines);
    this.byUnits.add(units);
  }

  /**
   * Adds the orders of a retired summary to the totals and histograms (a restore). O(orders
   * dropped so far): a histogram takes its values one at a time.
   */
  private restoreRetired(state: RetiredBasketsState): void {
    const retired = RetiredBaskets.fromState(this.options.relativeError, state);
    this.retired = retired;
    this.orderCount += state.orders;
    this.lineCount += state.lines;
    this.unitCount += state.units;
    this.cents += state.cents;
    this.singles += state.singles;
    retired.valueBins.replay(this.byValue);
    retired.linesBins.replay(this.byLines);
    retired.unitsBins.replay(this.byUnits);
  }

  /** Takes an order out of the totals and histograms before it changes. */
  private uncount(lines: number, units: number, value: number): void {
    this.orderCount--;
    if (lines === 1) this.singles--;
    this.lineCount -= lines;
    this.unitCount -= units;
    this.cents -= value;
    this.byValue.remove(value);
    this.byLines.remove(lines);
    this.byUnits.remove(units);
  }
}

/** Largest value LogHistogram bins apart (histogram.ts). */
const MAX_BINNED = 2 ** 53;

/**
 * One value of each histogram bin some orders fell in, and how many did. Grouping uses the bin
 * formula of LogHistogram (histogram.ts), which keeps its bins private: the two must agree, or a
 * restore would put some retired orders one bin off (test/unit/remap/sales.test.ts checks that
 * a restore gives the same quantiles).
 */
class BinSamples {
  private readonly lnGamma: number;
  private readonly top: number;
  private readonly samples = new Map<number, number>();
  private readonly counts = new Map<number, number>();

  constructor(relativeError: number) {
    this.lnGamma = Math.log((1 + relativeError) / (1 - relativeError));
    this.top = 1 + Math.ceil(Math.log(MAX_BINNED) / this.lnGamma);
  }

  add(value: number, count = 1): void {
    const bin = value < 1 ? 0 : Math.min(1 + Math.ceil(Math.log(value) / this.lnGamma), this.top);
    const had = this.counts.get(bin);
    if (had === undefined) this.samples.set(bin, value);
    this.counts.set(bin, (had ?? 0) + count);
  }

  /** Adds every value held, as often as it counts, to `h`. */
  replay(h: LogHistogram): void {
    for (const [bin, count] of this.counts) {
      const v = this.samples.get(bin)!;
      h.add(v, count);
    }
  }

  /** Samples and counts, by bin. */
  exportState(): [Float64Array, Float64Array] {
    const bins = Float64Array.from(this.counts.keys()).sort();
    const samples = new Float64Array(bins.length);
    const counts = new Float64Array(bins.length);
    for (let i = 0; i < bins.length; i++) {
      samples[i] = this.samples.get(bins[i]!)!;
      counts[i] = this.counts.get(bins[i]!)!;
    }
    return [samples, counts];
  }

  /** The total count held. */
  get size(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }
}

/** What orders dropped by a compaction still add to the basket totals and histograms. */
class RetiredBaskets {
  orders = 0;
  lines = 0;
  units = 0;
  cents = 0;
  singles = 0;
  readonly valueBins: BinSamples;
  readonly linesBins: BinSamples;
  readonly unitsBins: BinSamples;

  constructor(relativeError: number) {
    this.valueBins = new BinSamples(relativeError);
    this.linesBins = new BinSamples(relativeError);
    this.unitsBins = new BinSamples(relativeError);
  }

  static fromState(relativeError: number, s: RetiredBasketsState): RetiredBaskets {
    expectState(typeof s === 'object' && s !== null, 'baskets: retired orders');
    const out = new RetiredBaskets(relativeError);
    expectState(
      isCount(s.orders) &&
        isCount(s.lines) &&
        isCount(s.units) &&
        isCount(s.cents) &&
        isCount(s.singles) &&
        s.singles <= s.orders &&
        s.lines >= s.orders &&
        s.units >= s.lines,
      'baskets: retired totals',
    );
    const pairs: [Float64Array, Float64Array, BinSamples][] = [
      [s.valueSamples, s.valueCounts, out.valueBins],
      [s.linesSamples, s.linesCounts, out.linesBins],
      [s.unitsSamples, s.unitsCounts, out.unitsBins],
    ];
    for (const [samples, counts, into] of pairs) {
      expectState(
        isArrayOf(samples, Float64Array) && isArrayOf(counts, Float64Array, samples.length),
        'baskets: retired samples',
      );
      for (let i = 0; i < samples.length; i++) {
        expectState(
          isCount(samples[i]!) && isCount(counts[i]!) && counts[i]! > 0,
          'baskets: retired sample',
        );
        into.add(samples[i]!, counts[i]!);
      }
      expectState(into.size === s.orders, 'baskets: retired samples do not add up to the orders');
    }
    out.orders = s.orders;
    out.lines = s.lines;
    out.units = s.units;
    out.cents = s.cents;
    out.singles = s.singles;
    return out;
  }

  add(lines: number, units: number, cents: number): void {
    this.orders++;
    this.lines += lines;
    this.units += units;
    this.cents += cents;
    if (lines === 1) this.singles++;
    this.valueBins.add(cents);
    this.linesBins.add(lines);
    this.unitsBins.add(units);
  }

  exportState(): RetiredBasketsState {
    const [valueSamples, valueCounts] = this.valueBins.exportState();
    const [linesSamples, linesCounts] = this.linesBins.exportState();
    const [unitsSamples, unitsCounts] = this.unitsBins.exportState();
    return {
      orders: this.orders,
      lines: this.lines,
      units: this.units,
      cents: this.cents,
      singles: this.singles,
      valueSamples,
      valueCounts,
      linesSamples,
      linesCounts,
      unitsSamples,
      unitsCounts,
    };
  }
}

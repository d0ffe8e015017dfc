/**
 * Anomalies in event rates, per category and for the whole shop, and drops in conversion.
 *
 * Stream time is cut into fixed intervals (default 5 minutes). When an interval closes, each
 * series (the shop, and every category seen so far) compares its event count with a seasonal
 * baseline: one EWMA mean and one EWMA variance per hour of the day (24 slots over a daily
 * season by default), read and updated by linear interpolation between the two slots nearest the
 * interval's midpoint, so the expectation follows the daily cycle smoothly instead of stepping
 * each hour. A point is anomalous when |x − μ| / σ reaches the threshold, σ² being the learnt
 * variance but never less than μ (counts are at least as noisy as Poisson counts, which keeps a
 * baseline learnt on a few quiet days from alerting on ordinary noise). An alert needs two
 * anomalous points in a row, or one beyond twice the threshold: single points just past it are
 * mostly noise (on a steady 14-day stream of 41 series, one-point alerts fired 0.1 times per
 * series-day, two-point ones never), and a real incident of 20 minutes still alerts within 15.
 *
 * Conversion is purchases per view over a trailing window (default 1 hour), judged against a
 * seasonal baseline of decayed purchase and view totals per slot (r̂ = purchases / views), with
 * z = (r − r̂) / √(φ · r̂ · (1/views + 1/baseline views)): purchases are counted like Poisson
 * events, inflated by a learnt dispersion φ ≥ 1 (orders of several lines come in clumps), and the
 * baseline's own uncertainty is part of σ, so a baseline learnt from a few days does not alert on
 * an ordinary window. The baseline learns only from intervals that have left the window being
 * judged: windows overlap, and learning from the current one would let it follow a drop as fast
 * as the window fills with it. Only drops alert.
 *
 * An alert opens an episode that stays open until the series has been back within the clear
 * threshold for a few intervals, so a sustained anomaly raises one alert, not one per interval.
 * Nothing alerts before a series has `warmup` of history, nor when its expected count is below
 * the floor (tiny categories are too noisy to judge). The baseline keeps learning during an
 * anomaly, but its steps are clipped to the calm band μ ± clearThreshold·σ and its variance skips
 * points beyond the threshold, so a short incident barely moves it while a lasting change is
 * learnt in days.
 */
import { AisleError } from '../errors.js';
import { EVENT_TYPE_CODE, type EventType } from '../events.js';
import { expectState, isArrayOf, isCount } from '../snapshot/check.js';
import type { EncodedBatch } from '../store/index.js';
import { formatWindow, parseWindow } from './windows.js';

export type AnomalyKind = 'spike' | 'drop' | 'conversion_drop';

export interface AnomalyAlert {
  /** `overall`, or `category:<id>` with the dense category id. */
  series: string;
  /** Dense category id; 0 for the whole shop. */
  category: number;
  kind: AnomalyKind;
  /** End of the interval (rates) or of the trailing window (conversion) judged, epoch ms. */
  ts: number;
  /** Events in the interval, or purchases per view over the window. */
  observed: number;
  /** What the seasonal baseline predicted for it. */
  expected: number;
  /** (observed − expected) / σ. */
  z: number;
  reason: string;
}

export interface AnomalyOptions {
  /** Category id (dense, 0 = none) of an item id, at ingest time. Default: no categories. */
  categoryOf?: (item: number) => number;
  /** Name of a category in alert reasons. Default `category <id>`. */
  categoryName?: (category: number) => string;
  /** Length of one rate point: ms or a duration string. Default `'5m'`. */
  interval?: string | number;
  /** |z| at which a point is anomalous. Default 4. */
  threshold?: number;
  /** An episode ends once |z| stays below this for `clearIntervals` intervals. Default 2. */
  clearThreshold?: number;
  /** Calm intervals in a row that end an episode. Default 3. */
  clearIntervals?: number;
  /**
   * Anomalous intervals in a row (same direction) before an alert; a point beyond twice the
   * threshold alerts at once. Default 2: single points just past the threshold are mostly the
   * tails of Poisson noise and of a baseline learnt from a few days.
   */
  confirmIntervals?: number;
  /** Expected events per interval a series needs before it can alert. Default 20. */
  minCount?: number;
  /** Expected purchases per conversion window a series needs before it can alert. Default 20. */
  minPurchases?: number;
  /** Trailing window of conversion: a whole number of intervals. Default `'1h'`. */
  conversionWindow?: string | number;
  /** Length of the seasonal cycle. Default `'1d'`. */
  season?: string | number;
  /** Baseline slots per season (1 = no seasonality). Default 24 (hours of the day). */
  seasonSlots?: number;
  /** EWMA weight of a new point in a slot's mean. Default 0.1. */
  alpha?: number;
  /** EWMA weight of a new point in a slot's variance. Default 0.05. */
  varianceAlpha?: number;
  /**
   * Decay per interval of the conversion baseline's totals, and weight of a window in its
   * dispersion. Default 0.02: purchases are rare, so the baseline needs days of them.
   */
  conversionAlpha?: number;
  /** History a series needs before it can alert. Default `'2d'`. */
  warmup?: string | number;
  /** How late an event may be and still count in its interval (under `interval`). Default `'10s'`. */
  grace?: string | number;
  /** Event types that make up a rate. Default view, add_to_cart, remove_from_cart, purchase. */
  types?: readonly EventType[];
  /** Recent alerts that `anomalies()` lists. Default 100. */
  keepAlerts?: number;
}

/** The options in force, durations in ms. */
export interface ResolvedAnomalyOptions {
  categoryOf: (item: number) => number;
  categoryName: (category: number) => string;
  intervalMs: number;
  threshold: number;
  clearThreshold: number;
  clearIntervals: number;
  confirmIntervals: number;
  minCount: number;
  minPurchases: number;
  conversionWindowMs: number;
  seasonMs: number;
  seasonSlots: number;
  alpha: number;
  varianceAlpha: number;
  conversionAlpha: number;
  warmupMs: number;
  graceMs: number;
  types: readonly EventType[];
  keepAlerts: number;
}

export const DEFAULT_ANOMALY_TYPES: readonly EventType[] = Object.freeze([
  'view',
  'add_to_cart',
  'remove_from_cart',
  'purchase',
]);

/** Alerts held for `drainAlerts` at most; older undrained ones are dropped (and counted). */
export const MAX_UNDRAINED_ALERTS = 10_000;

/** Alerts as columns, for snapshots. */
export interface AlertColumns {
  category: Uint32Array;
  /** 0 spike, 1 drop, 2 conversion_drop. */
  kind: Uint8Array;
  ts: Float64Array;
  observed: Float64Array;
  expected: Float64Array;
  z: Float64Array;
}

/** What a snapshot keeps of the detector. */
export interface AnomalyState {
  /** Newest stream time seen, ms; −Infinity before any. */
  newest: number;
  /** Oldest interval still open; −1 before any event. */
  open: number;
  /** First interval judged (the first one is partial). */
  judgeFrom: number;
  late: number;
  droppedAlerts: number;
  /** Category of each series; series 0 is the shop (0). */
  categories: Uint32Array;
  /** Intervals judged per series. */
  age: Uint32Array;
  /** Per series × slot. */
  rateMean: Float64Array;
  rateVar: Float64Array;
  rateWeight: Float64Array;
  /** Per series × slot: decayed purchases and views of the conversion baseline. */
  convPurchases: Float64Array;
  convViews: Float64Array;
  /** Per series: learnt dispersion of windowed conversion. */
  convDispersion: Float64Array;
  /** Per series × 2 open intervals (by interval parity). */
  pendingEvents: Float64Array;
  pendingViews: Float64Array;
  pendingPurchases: Float64Array;
  /** Per series × intervals of the conversion window (by interval index modulo). */
  windowViews: Float64Array;
  windowPurchases: Float64Array;
  /** Per series × window position: conversion and views of the window that ended there. */
  lagRatio: Float64Array;
  lagViews: Float64Array;
  /** Per series × channel (0 rate, 1 conversion). 0 none, 1 spike, 2 drop, 3 conversion drop. */
  episode: Uint8Array;
  /** Signed run of anomalous intervals before an alert (+ up, − down). */
  streak: Int32Array;
  /** Calm intervals in a row during an episode. */
  calm: Uint32Array;
  recent: AlertColumns;
  undrained: AlertColumns;
  /** Alerts of the open episodes, and their series × channel index. */
  active: AlertColumns & { slot: Uint32Array };
}

/** Two bracketing baseline slots and the weight of the second. */
interface Phase {
  h0: number;
  h1: number;
  w1: number;
}

const KINDS: readonly AnomalyKind[] = ['spike', 'drop', 'conversion_drop'];
const EPISODE_SPIKE = 1;
const EPISODE_DROP = 2;
const EPISODE_CONVERSION = 3;
const RATE = 0;
const CONVERSION = 1;
const CHANNELS = 2;
const OPTION_KEYS: ReadonlySet<string> = new Set([
  'categoryOf',
  'categoryName',
  'interval',
  'threshold',
  'clearThreshold',
  'clearIntervals',
  'confirmIntervals',
  'minCount',
  'minPurchases',
  'conversionWindow',
  'season',
  'seasonSlots',
  'alpha',
  'varianceAlpha',
  'conversionAlpha',
  'warmup',
  'grace',
  'types',
  'keepAlerts',
]);
const RATE_TYPES: ReadonlySet<string> = new Set([
  'view',
  'add_to_cart',
  'remove_from_cart',
  'purchase',
  'search',
]);

function invalid(field: string, message: string): never {
  throw new AisleError('AISLE_INVALID_ARGUMENT', `anomaly option ${field} ${message}`, { field });
}

function numberIn(value: unknown, field: string, lo: number, hi: number, loOpen = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value > hi) {
    invalid(field, `must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}], not ${String(value)}`);
  }
  if (loOpen ? value <= lo : value < lo) {
    invalid(field, `must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}], not ${String(value)}`);
  }
  return value;
}

function integerIn(value: unknown, field: string, lo: number, hi: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
    invalid(field, `must be an integer in ${lo}..${hi}, not ${String(value)}`);
  }
  return value;
}

function duration(value: string | number, field: string, allowZero = false): number {
  return allowZero && value === 0 ? 0 : parseWindow(value, field);
}

/**
 * Fills defaults and checks every option.
 * Throws AisleError('AISLE_INVALID_ARGUMENT') naming the first bad field.
 */
export function resolveAnomalyOptions(options: AnomalyOptions = {}): ResolvedAnomalyOptions {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) invalid(key, 'is not an anomaly option');
  }
  const o = options;
  const categoryOf = o.categoryOf ?? (() => 0);
  if (typeof categoryOf !== 'function') invalid('categoryOf', 'must be a function');
  const categoryName = o.categoryName ?? ((c: number) => `category ${c}`);
  if (typeof categoryName !== 'function') invalid('categoryName', 'must be a function');
  const intervalMs = duration(o.interval ?? '5m', 'interval');
  if (intervalMs < 1000) invalid('interval', 'must be at least 1s');
  const threshold = numberIn(o.threshold ?? 4, 'threshold', 0, 100, true);
  const clearThreshold = numberIn(o.clearThreshold ?? 2, 'clearThreshold', 0, 100);
  if (clearThreshold >= threshold) invalid('clearThreshold', 'must be below threshold');
  const clearIntervals = integerIn(o.clearIntervals ?? 3, 'clearIntervals', 1, 10_000);
  const confirmIntervals = integerIn(o.confirmIntervals ?? 2, 'confirmIntervals', 1, 10_000);
  const minCount = numberIn(o.minCount ?? 20, 'minCount', 0, 1e12);
  const minPurchases = numberIn(o.minPurchases ?? 20, 'minPurchases', 0, 1e12);
  const conversionWindowMs = duration(o.conversionWindow ?? '1h', 'conversionWindow');
  if (conversionWindowMs % intervalMs !== 0) {
    invalid('conversionWindow', `must be a whole number of ${formatWindow(intervalMs)} intervals`);
  }
  if (conversionWindowMs / intervalMs > 10_000) {
    invalid('conversionWindow', 'must be at most 10000 intervals');
  }
  const seasonMs = duration(o.season ?? '1d', 'season');
  if (seasonMs < intervalMs) invalid('season', 'must be at least one interval');
  const seasonSlots = integerIn(o.seasonSlots ?? 24, 'seasonSlots', 1, 10_000);
  const alpha = numberIn(o.alpha ?? 0.1, 'alpha', 0, 1, true);
  const varianceAlpha = numberIn(o.varianceAlpha ?? 0.05, 'varianceAlpha', 0, 1, true);
  const conversionAlpha = numberIn(o.conversionAlpha ?? 0.02, 'conversionAlpha', 0, 1, true);
  const warmupMs = duration(o.warmup ?? '2d', 'warmup', true);
  const graceMs = duration(o.grace ?? '10s', 'grace', true);
  if (graceMs >= intervalMs) invalid('grace', 'must be shorter than interval');
  const types = o.types ?? DEFAULT_ANOMALY_TYPES;
  if (!Array.isArray(types) || types.length === 0 || !types.every((t) => RATE_TYPES.has(t))) {
    invalid('types', `must be a non-empty list of ${[...RATE_TYPES].join(', ')}`);
  }
  const keepAlerts = integerIn(o.keepAlerts ?? 100, 'keepAlerts', 1, 100_000);
  return {
    categoryOf,
    categoryName,
    intervalMs,
    threshold,
    clearThreshold,
    clearIntervals,
    confirmIntervals,
    minCount,
    minPurchases,
    conversionWindowMs,
    seasonMs,
    seasonSlots,
    alpha,
    varianceAlpha,
    conversionAlpha,
    warmupMs,
    graceMs,
    types: Object.freeze([...types]),
    keepAlerts,
  };
}

function widen<T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(a: T, n: number): T {
  const out = new (a.constructor as new (n: number) => T)(n);
  out.set(a);
  return out;
}

function columns(alerts: readonly AnomalyAlert[]): AlertColumns {
  return {
    category: Uint32Array.from(alerts, (a) => a.category),
    kind: Uint8Array.from(alerts, (a) => KINDS.indexOf(a.kind)),
    ts: Float64Array.from(alerts, (a) => a.ts),
    observed: Float64Array.from(alerts, (a) => a.observed),
    expected: Float64Array.from(alerts, (a) => a.expected),
    z: Float64Array.from(alerts, (a) => a.z),
  };
}

function validColumns(c: AlertColumns | undefined, what: string): number {
  const n = c?.kind?.length ?? 0;
  expectState(
    c !== undefined &&
      isArrayOf(c.category, Uint32Array, n) &&
      isArrayOf(c.kind, Uint8Array, n) &&
      isArrayOf(c.ts, Float64Array, n) &&
      isArrayOf(c.observed, Float64Array, n) &&
      isArrayOf(c.expected, Float64Array, n) &&
      isArrayOf(c.z, Float64Array, n) &&
      c.kind.every((k) => k < KINDS.length),
    `anomalies: ${what} alerts`,
  );
  return n;
}

function percent(r: number): string {
  return `${(r * 100).toFixed(2)}%`;
}

export class AnomalyDetector {
  readonly options: ResolvedAnomalyOptions;
  private readonly categoryOf: (item: number) => number;
  /** Rate membership per event type code. */
  private readonly counted = new Uint8Array(256);
  private readonly slots: number;
  /** Intervals in the conversion window. */
  private readonly windowLen: number;
  private readonly warmupIntervals: number;

  private newest = -Infinity;
  private open = -1;
  private judgeFrom = 0;
  private late = 0;
  private droppedAlerts = 0;
  private count = 0;
  private capacity = 0;
  /** Series of each category id; −1 none. */
  private seriesOf = new Int32Array(64).fill(-1);
  private categories = new Uint32Array(0);
  private age = new Uint32Array(0);
  private rateMean = new Float64Array(0);
  private rateVar = new Float64Array(0);
  private rateWeight = new Float64Array(0);
  private convPurchases = new Float64Array(0);
  private convViews = new Float64Array(0);
  private convDispersion = new Float64Array(0);
  private pendingEvents = new Float64Array(0);
  private pendingViews = new Float64Array(0);
  private pendingPurchases = new Float64Array(0);
  private windowViews = new Float64Array(0);
  private windowPurchases = new Float64Array(0);
  /** Per series × window position: conversion and views of the window that ended there. */
  private lagRatio = new Float64Array(0);
  private lagViews = new Float64Array(0);
  private sumViews = new Float64Array(0);
  private sumPurchases = new Float64Array(0);
  private episode = new Uint8Array(0);
  private streak = new Int32Array(0);
  private calm = new Uint32Array(0);
  private recent: AnomalyAlert[] = [];
  private undrained: AnomalyAlert[] = [];
  private readonly active = new Map<number, AnomalyAlert>();

  /** Throws AisleError('AISLE_INVALID_ARGUMENT') naming a bad option. */
  constructor(options: AnomalyOptions = {}) {
    this.options = resolveAnomalyOptions(options);
    const o = this.options;
    this.categoryOf = o.categoryOf;
    for (const t of o.types) this.counted[EVENT_TYPE_CODE[t]] = 1;
    this.slots = o.seasonSlots;
    this.windowLen = o.conversionWindowMs / o.intervalMs;
    this.warmupIntervals = Math.ceil(o.warmupMs / o.intervalMs);
    this.addSeries(0);
  }

  /**
   * Restores a detector from `exportState` with the options it was built with. Throws
   * AisleError('AISLE_SNAPSHOT') when the state does not fit them. O(state).
   */
  static fromState(options: AnomalyOptions, state: AnomalyState): AnomalyDetector {
    const out = new AnomalyDetector(options);
    const n = state.categories?.length ?? 0;
    const S = out.slots;
    const W = out.windowLen;
    expectState(
      (Number.isFinite(state.newest) || state.newest === -Infinity) &&
        (state.open === -1 || isCount(state.open)) &&
        isCount(state.judgeFrom) &&
        isCount(state.late) &&
        isCount(state.droppedAlerts),
      'anomalies: clock',
    );
    expectState(
      n >= 1 &&
        isArrayOf(state.categories, Uint32Array) &&
        state.categories[0] === 0 &&
        isArrayOf(state.age, Uint32Array, n) &&
        [state.rateMean, state.rateVar, state.rateWeight].every((a) =>
          isArrayOf(a, Float64Array, n * S),
        ) &&
        isArrayOf(state.convPurchases, Float64Array, n * S) &&
        isArrayOf(state.convViews, Float64Array, n * S) &&
        isArrayOf(state.convDispersion, Float64Array, n) &&
        state.convDispersion.every((d) => d > 0 && d < Infinity) &&
        [state.pendingEvents, state.pendingViews, state.pendingPurchases].every((a) =>
          isArrayOf(a, Float64Array, n * 2),
        ) &&
        isArrayOf(state.windowViews, Float64Array, n * W) &&
        isArrayOf(state.windowPurchases, Float64Array, n * W) &&
        isArrayOf(state.lagRatio, Float64Array, n * W) &&
        isArrayOf(state.lagViews, Float64Array, n * W) &&
        isArrayOf(state.episode, Uint8Array, n * CHANNELS) &&
        isArrayOf(state.streak, Int32Array, n * CHANNELS) &&
        isArrayOf(state.calm, Uint32Array, n * CHANNELS) &&
        state.episode.every((e) => e <= EPISODE_CONVERSION),
      'anomalies: series arrays do not fit the options',
    );
    for (let s = 1; s < n; s++) {
      const c = state.categories[s]!;
      expectState(c > 0 && out.seriesFor(c, false) < 0, 'anomalies: series categories');
      out.addSeries(c);
    }
    out.categories = state.categories.slice();
    out.age = state.age.slice();
    out.rateMean = state.rateMean.slice();
    out.rateVar = state.rateVar.slice();
    out.rateWeight = state.rateWeight.slice();
    out.convPurchases = state.convPurchases.slice();
    out.convViews = state.convViews.slice();
    out.convDispersion = state.convDispersion.slice();
    out.pendingEvents = state.pendingEvents.slice();
    out.pendingViews = state.pendingViews.slice();
    out.pendingPurchases = state.pendingPurchases.slice();
    out.windowViews = state.windowViews.slice();
    out.windowPurchases = state.windowPurchases.slice();
    out.lagRatio = state.lagRatio.slice();
    out.lagViews = state.lagViews.slice();
    out.episode = state.episode.slice();
    out.streak = state.streak.slice();
    out.calm = state.calm.slice();
    out.capacity = n;
    out.sumViews = new Float64Array(n);
    out.sumPurchases = new Float64Array(n);
    for (let s = 0; s < n; s++) {
      for (let j = 0; j < W; j++) {
        out.sumViews[s]! += out.windowViews[s * W + j]!;
        out.sumPurchases[s]! += out.windowPurchases[s * W + j]!;
      }
    }
    out.newest = state.newest;
    out.open = state.open;
    out.judgeFrom = state.judgeFrom;
    out.late = state.late;
    out.droppedAlerts = state.droppedAlerts;
    out.recent = out.readAlerts(state.recent, 'recent');
    out.undrained = out.readAlerts(state.undrained, 'undrained');
    const active = out.readAlerts(state.active, 'active');
    expectState(
      isArrayOf(state.active.slot, Uint32Array, active.length),
      'anomalies: active alert slots',
    );
    active.forEach((a, i) => {
      const slot = state.active.slot[i]!;
      expectState(
        slot < n * CHANNELS && out.episode[slot] !== 0,
        'anomalies: active alert without episode',
      );
      out.active.set(slot, a);
    });
    return out;
  }

  /** A copy of the state, consistent as of the call. O(series × (slots + window)). */
  exportState(): AnomalyState {
    const n = this.count;
    const S = this.slots;
    const W = this.windowLen;
    const active = [...this.active.entries()];
    return {
      newest: this.newest,
      open: this.open,
      judgeFrom: this.judgeFrom,
      late: this.late,
      droppedAlerts: this.droppedAlerts,
      categories: this.categories.slice(0, n),
      age: this.age.slice(0, n),
      rateMean: this.rateMean.slice(0, n * S),
      rateVar: this.rateVar.slice(0, n * S),
      rateWeight: this.rateWeight.slice(0, n * S),
      convPurchases: this.convPurchases.slice(0, n * S),
      convViews: this.convViews.slice(0, n * S),
      convDispersion: this.convDispersion.slice(0, n),
      pendingEvents: this.pendingEvents.slice(0, n * 2),
      pendingViews: this.pendingViews.slice(0, n * 2),
      pendingPurchases: this.pendingPurchases.slice(0, n * 2),
      windowViews: this.windowViews.slice(0, n * W),
      windowPurchases: this.windowPurchases.slice(0, n * W),
      lagRatio: this.lagRatio.slice(0, n * W),
      lagViews: this.lagViews.slice(0, n * W),
      episode: this.episode.slice(0, n * CHANNELS),
      streak: this.streak.slice(0, n * CHANNELS),
      calm: this.calm.slice(0, n * CHANNELS),
      recent: columns(this.recent),
      undrained: columns(this.undrained),
      active: {
        ...columns(active.map(([, a]) => a)),
        slot: Uint32Array.from(active, ([slot]) => slot),
      },
    };
  }

  /** Series judged: the shop and every category seen. */
  get seriesCount(): number {
    return this.count;
  }

  /** Events that arrived after their interval had been judged (left out of the rates). */
  get lateEvents(): number {
    return this.late;
  }

  /** Newest stream time seen (ms); −Infinity before any. */
  get now(): number {
    return this.newest;
  }

  /**
   * Counts a batch into the open intervals, first judging every interval that stream time has
   * left behind (by more than the grace). O(rows + series × intervals closed).
   */
  ingest(batch: EncodedBatch): void {
    const { ts, type, item } = batch;
    const counted = this.counted;
    const view = EVENT_TYPE_CODE.view;
    const purchase = EVENT_TYPE_CODE.purchase;
    const I = this.options.intervalMs;
    for (let i = 0; i < batch.length; i++) {
      const code = type[i]!;
      const rate = counted[code]!;
      if (rate === 0 && code !== view && code !== purchase) continue;
      const t = ts[i]!;
      if (!(t >= 0)) continue;
      if (this.open < 0) this.start(t);
      if (t > this.newest) this.advance(t);
      const k = Math.floor(t / I);
      if (k < this.open) {
        this.late++;
        continue;
      }
      const p = k & 1;
      const it = item[i]!;
      const category = it === 0 ? 0 : this.categoryOf(it);
      this.countInto(0, p, rate, code === view, code === purchase);
      if (category > 0) {
        this.countInto(this.seriesFor(category, true), p, rate, code === view, code === purchase);
      }
    }
  }

  /**
   * Moves stream time to `now` (ms) without events, judging the intervals it leaves behind: a
   * quiet stream is then seen to drop. Times before the newest seen are ignored.
   */
  advance(now: number): void {
    if (!(now > this.newest)) return;
    if (this.open < 0) this.start(now);
    this.newest = now;
    const o = this.options;
    const target = Math.floor((now - o.graceMs) / o.intervalMs);
    if (target <= this.open) return;
    // Past a season of silence every further interval is empty and judged alike: stop there.
    const limit = Math.ceil(o.seasonMs / o.intervalMs) + this.windowLen;
    const last = Math.min(target, this.open + limit);
    for (let k = this.open; k < last; k++) this.close(k);
    this.open = target;
  }

  /** Alerts of the episodes still open, and the most recent alerts, both newest first. */
  anomalies(): { active: AnomalyAlert[]; recent: AnomalyAlert[] } {
    const active = [...this.active.values()].sort((a, b) => b.ts - a.ts);
    return { active, recent: this.recent.slice().reverse() };
  }

  /** Alerts raised since the last call, oldest first, for a publisher. */
  drainAlerts(): AnomalyAlert[] {
    const out = this.undrained;
    this.undrained = [];
    return out;
  }

  /** Undrained alerts dropped because more than MAX_UNDRAINED_ALERTS piled up. */
  get dropped(): number {
    return this.droppedAlerts;
  }

  private start(t: number): void {
    // The first interval is only partly observed: count it, but do not judge it.
    this.open = Math.floor(t / this.options.intervalMs);
    this.judgeFrom = this.open + 1;
  }

  private countInto(s: number, p: number, rate: number, view: boolean, purchase: boolean): void {
    const at = s * 2 + p;
    this.pendingEvents[at]! += rate;
    if (view) this.pendingViews[at]! += 1;
    if (purchase) this.pendingPurchases[at]! += 1;
  }

  /** Series of `category`, created on first sight when `create`; −1 otherwise. */
  private seriesFor(category: number, create: boolean): number {
    if (category < this.seriesOf.length) {
      const s = this.seriesOf[category]!;
      if (s >= 0 || !create) return s;
    } else if (!create) return -1;
    return this.addSeries(category);
  }

  private addSeries(category: number): number {
    const s = this.count;
    if (category >= this.seriesOf.length) {
      const bigger = new Int32Array(Math.max(category + 1, this.seriesOf.length * 2)).fill(-1);
      bigger.set(this.seriesOf);
      this.seriesOf = bigger;
    }
    if (category > 0) this.seriesOf[category] = s;
    if (s === this.capacity) this.grow(Math.max(8, this.capacity * 2));
    this.categories[s] = category;
    this.convDispersion[s] = 1;
    this.count++;
    return s;
  }

  private grow(n: number): void {
    const S = this.slots;
    const W = this.windowLen;
    this.capacity = n;
    this.categories = widen(this.categories, n);
    this.age = widen(this.age, n);
    this.rateMean = widen(this.rateMean, n * S);
    this.rateVar = widen(this.rateVar, n * S);
    this.rateWeight = widen(this.rateWeight, n * S);
    this.convPurchases = widen(this.convPurchases, n * S);
    this.convViews = widen(this.convViews, n * S);
    this.convDispersion = widen(this.convDispersion, n);
    this.pendingEvents = widen(this.pendingEvents, n * 2);
    this.pendingViews = widen(this.pendingViews, n * 2);
    this.pendingPurchases = widen(this.pendingPurchases, n * 2);
    this.windowViews = widen(this.windowViews, n * W);
    this.windowPurchases = widen(this.windowPurchases, n * W);
    this.lagRatio = widen(this.lagRatio, n * W);
    this.lagViews = widen(this.lagViews, n * W);
    this.sumViews = widen(this.sumViews, n);
    this.sumPurchases = widen(this.sumPurchases, n);
    this.episode = widen(this.episode, n * CHANNELS);
    this.streak = widen(this.streak, n * CHANNELS);
    this.calm = widen(this.calm, n * CHANNELS);
  }

  /**
   * The two baseline slots whose centres bracket the midpoint of interval `k`, and the weight of
   * the second (the first weighs 1 − w1).
   */
  private phaseOf(k: number): Phase {
    const o = this.options;
    const S = this.slots;
    const mid = (k + 0.5) * o.intervalMs;
    let pos = ((mid % o.seasonMs) / o.seasonMs) * S - 0.5;
    if (pos < 0) pos += S;
    const h0 = Math.min(Math.floor(pos), S - 1);
    return { h0, h1: (h0 + 1) % S, w1: pos - h0 };
  }

  /** Judges interval `k` for every series and moves its counts into the conversion window. */
  private close(k: number): void {
    const p = k & 1;
    const judge = k >= this.judgeFrom;
    const now = this.phaseOf(k);
    const W = this.windowLen;
    const then = this.phaseOf(k - W);
    const j = k % W;
    const end = (k + 1) * this.options.intervalMs;
    for (let s = 0; s < this.count; s++) {
      const at = s * 2 + p;
      const x = this.pendingEvents[at]!;
      const views = this.pendingViews[at]!;
      const purchases = this.pendingPurchases[at]!;
      this.pendingEvents[at] = 0;
      this.pendingViews[at] = 0;
      this.pendingPurchases[at] = 0;
      if (!judge) continue;
      const warm = this.age[s]! >= this.warmupIntervals;
      this.judgeRate(s, x, now, warm, end);
      const w = s * W + j;
      const leavingViews = this.windowViews[w]!;
      const leavingPurchases = this.windowPurchases[w]!;
      this.sumViews[s]! += views - leavingViews;
      this.sumPurchases[s]! += purchases - leavingPurchases;
      this.windowViews[w] = views;
      this.windowPurchases[w] = purchases;
      this.age[s]!++;
      if (this.age[s]! >= W) this.judgeConversion(s, w, now, then, warm, end);
      if (leavingViews > 0) this.learnConversion(s, then, leavingViews, leavingPurchases);
    }
  }

  private judgeRate(s: number, x: number, ph: Phase, warm: boolean, end: number): void {
    const o = this.options;
    const a = s * this.slots + ph.h0;
    const b = s * this.slots + ph.h1;
    const mean = this.rateMean;
    const variance = this.rateVar;
    // A slot's first point is its first estimate, with Poisson variance.
    for (const at of [a, b]) {
      if (this.rateWeight[at] === 0) {
        mean[at] = x;
        variance[at] = Math.max(x, 1);
      }
    }
    const w0 = 1 - ph.w1;
    const mu = w0 * mean[a]! + ph.w1 * mean[b]!;
    const sigma = Math.sqrt(Math.max(w0 * variance[a]! + ph.w1 * variance[b]!, mu, 1));
    const z = (x - mu) / sigma;
    const t = o.threshold;
    const dir = z >= t ? 1 : z <= -t ? -1 : 0;
    this.judge(s, RATE, dir, z, warm && mu >= o.minCount, () =>
      this.alert(s, dir > 0 ? 'spike' : 'drop', end, x, mu, z),
    );
    this.learn(mean, variance, this.rateWeight, a, b, ph.w1, x, mu, sigma, z);
  }

  /**
   * Judges the trailing window that ends with this interval, and updates the dispersion from the
   * window that ended one window ago (judged now by a baseline it did not feed).
   */
  private judgeConversion(
    s: number,
    w: number,
    now: Phase,
    then: Phase,
    warm: boolean,
    end: number,
  ): void {
    const o = this.options;
    const views = this.sumViews[s]!;
    const pastRatio = this.lagRatio[w]!;
    const pastViews = this.lagViews[w]!;
    this.lagViews[w] = views;
    this.lagRatio[w] = views > 0 ? this.sumPurchases[s]! / views : 0;
    const dispersion = Math.max(1, this.convDispersion[s]!);
    if (views > 0) {
      const base = this.conversionBaseline(s, now, views);
      if (base !== undefined) {
        const r = this.lagRatio[w]!;
        const z = (r - base.expected) / (base.poissonSigma * Math.sqrt(dispersion));
        const dir = z <= -o.threshold ? -1 : 0;
        const eligible = warm && base.expected * views >= o.minPurchases;
        this.judge(s, CONVERSION, dir, z, eligible, () =>
          this.alert(s, 'conversion_drop', end, r, base.expected, z),
        );
      }
    }
    if (pastViews > 0) {
      const base = this.conversionBaseline(s, then, pastViews);
      if (base !== undefined) {
        const z2 = ((pastRatio - base.expected) / base.poissonSigma) ** 2;
        // Points beyond the threshold are anomalies, not noise: they do not widen σ.
        if (z2 < o.threshold * o.threshold * dispersion) {
          this.convDispersion[s]! += o.conversionAlpha * (z2 - this.convDispersion[s]!);
        }
      }
    }
  }

  /**
   * Adds an interval that has left the trailing window to the baseline totals of its phase,
   * its purchases clipped to the calm band around what the baseline expected of its views.
   */
  private learnConversion(s: number, ph: Phase, views: number, purchases: number): void {
    const o = this.options;
    let p = purchases;
    const base = this.conversionBaseline(s, ph, views);
    if (base !== undefined) {
      const expected = base.expected * views;
      const band = o.clearThreshold * Math.sqrt(Math.max(1, this.convDispersion[s]!) * expected);
      p = Math.min(Math.max(p, expected - band), expected + band);
    }
    const a = s * this.slots + ph.h0;
    const b = s * this.slots + ph.h1;
    for (const [at, weight] of [
      [a, 1 - ph.w1],
      [b, ph.w1],
    ] as const) {
      const keep = 1 - o.conversionAlpha * weight;
      this.convPurchases[at] = keep * this.convPurchases[at]! + weight * p;
      this.convViews[at] = keep * this.convViews[at]! + weight * views;
    }
  }

  /**
   * Expected conversion at a phase, and its Poisson σ over a window of `views` views, the
   * baseline's own uncertainty included (r̂ / baseline views bounds it); undefined before the
   * baseline has seen a purchase.
   */
  private conversionBaseline(
    s: number,
    ph: Phase,
    views: number,
  ): { expected: number; poissonSigma: number } | undefined {
    const a = s * this.slots + ph.h0;
    const b = s * this.slots + ph.h1;
    const w0 = 1 - ph.w1;
    const baseViews = w0 * this.convViews[a]! + ph.w1 * this.convViews[b]!;
    const basePurchases = w0 * this.convPurchases[a]! + ph.w1 * this.convPurchases[b]!;
    if (!(baseViews > 0 && basePurchases > 0)) return undefined;
    const expected = basePurchases / baseViews;
    return { expected, poissonSigma: Math.sqrt(expected * (1 / views + 1 / baseViews)) };
  }

  /**
   * Moves the two bracketing slots toward the observation (gradient step on the interpolated
   * prediction). The step is clipped to the calm band μ ± clearThreshold·σ (a Huber step), so an
   * anomaly teaches the mean no more than a point at the band's edge; the variance skips points
   * beyond the threshold.
   */
  private learn(
    mean: Float64Array,
    variance: Float64Array,
    weight: Float64Array,
    a: number,
    b: number,
    w1: number,
    x: number,
    mu: number,
    sigma: number,
    z: number,
  ): void {
    const o = this.options;
    const bound = o.clearThreshold * sigma;
    const e = x - mu;
    const step = Math.min(Math.max(e, -bound), bound);
    const outlier = Math.abs(z) >= o.threshold;
    const w0 = 1 - w1;
    for (const [at, w] of [
      [a, w0],
      [b, w1],
    ] as const) {
      mean[at]! += o.alpha * w * step;
      // Unclipped: clipping at the calm band would shrink the variance of ordinary noise too.
      if (!outlier) variance[at]! += o.varianceAlpha * w * (e * e - variance[at]!);
      weight[at]! += w;
    }
  }

  /**
   * Opens an episode after `confirmIntervals` anomalous points in a row (or one beyond twice the
   * threshold), and closes it after `clearIntervals` calm ones.
   */
  private judge(
    s: number,
    channel: number,
    dir: number,
    z: number,
    eligible: boolean,
    raise: () => AnomalyAlert,
  ): void {
    const o = this.options;
    const at = s * CHANNELS + channel;
    const episode = this.episode[at]!;
    if (episode === 0) {
      if (dir === 0 || !eligible) {
        this.streak[at] = 0;
        return;
      }
      const run = Math.sign(this.streak[at]!) === dir ? this.streak[at]! + dir : dir;
      if (Math.abs(run) < o.confirmIntervals && Math.abs(z) < 2 * o.threshold) {
        this.streak[at] = run;
        return;
      }
      this.streak[at] = 0;
      this.calm[at] = 0;
      this.episode[at] =
        channel === CONVERSION ? EPISODE_CONVERSION : dir > 0 ? EPISODE_SPIKE : EPISODE_DROP;
      const alert = raise();
      this.active.set(at, alert);
      return;
    }
    const up = episode === EPISODE_SPIKE;
    const quiet = up ? z < o.clearThreshold : z > -o.clearThreshold;
    this.calm[at] = quiet ? this.calm[at]! + 1 : 0;
    if (this.calm[at]! >= o.clearIntervals) {
      this.episode[at] = 0;
      this.calm[at] = 0;
      this.active.delete(at);
    }
  }

  private alert(
    s: number,
    kind: AnomalyKind,
    ts: number,
    observed: number,
    expected: number,
    z: number,
  ): AnomalyAlert {
    const alert = this.build(this.categories[s]!, kind, ts, observed, expected, z);
    this.recent.push(alert);
    if (this.recent.length > this.options.keepAlerts) this.recent.shift();
    this.undrained.push(alert);
    if (this.undrained.length > MAX_UNDRAINED_ALERTS) {
      this.undrained.shift();
      this.droppedAlerts++;
    }
    return alert;
  }

  /** Rebuilds alerts (reasons included) from snapshot columns. */
  private readAlerts(c: AlertColumns, what: string): AnomalyAlert[] {
    const n = validColumns(c, what);
    const out: AnomalyAlert[] = [];
    for (let i = 0; i < n; i++) {
      const kind = KINDS[c.kind[i]!]!;
      out.push(this.build(c.category[i]!, kind, c.ts[i]!, c.observed[i]!, c.expected[i]!, c.z[i]!));
    }
    return out;
  }

  private build(
    category: number,
    kind: AnomalyKind,
    ts: number,
    observed: number,
    expected: number,
    z: number,
  ): AnomalyAlert {
    const name = category === 0 ? 'overall' : this.options.categoryName(category);
    return {
      series: category === 0 ? 'overall' : `category:${category}`,
      category,
      kind,
      ts,
      observed,
      expected,
      z,
      reason: this.reasonOf(name, kind, ts, observed, expected, z),
    };
  }

  private reasonOf(
    name: string,
    kind: AnomalyKind,
    end: number,
    observed: number,
    expected: number,
    z: number,
  ): string {
    const o = this.options;
    const to = new Date(end).toISOString();
    const zs = `(z ${z.toFixed(1)})`;
    if (kind === 'conversion_drop') {
      return (
        `${name}: ${percent(observed)} of views converted to purchases in the ` +
        `${formatWindow(o.conversionWindowMs)} to ${to}, against ${percent(expected)} expected ` +
        `at this time of day ${zs}`
      );
    }
    const span = formatWindow(o.intervalMs);
    const usual = `${expected.toFixed(1)} expected at this time of day ${zs}`;
    return kind === 'spike'
      ? `${name}: ${observed} events in the ${span} to ${to}, ` +
          `${(observed / expected).toFixed(1)}× the ${usual}`
      : `${name}: only ${observed} events in the ${span} to ${to}, against ${usual}`;
  }
}

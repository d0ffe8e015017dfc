/**
 * Sales velocity per item: units bought per day, exponentially decayed over stream time.
 *
 * Forward decay as in models/decayed-counters.ts: a purchase adds quantity · e^(λ(t − tRef)), so
 * an update is one add and the decayed total at any instant is one multiply away. The counters
 * live in a plain Float64Array rather than the WASM arena: the inventory walks every event in JS
 * anyway to track which items to re-check, and staging a batch in WASM memory would cost more
 * than the one `exp` per purchase it saves.
 *
 * A decayed total alone is not a rate: after an item has been on sale for T, a steady rate r has
 * put r · (1 − e^(−λT)) / λ into it. Dividing by that decayed exposure gives r back at any age,
 * so a young stream reads neither as zero (units over the full window) nor as a spike. T runs
 * from the item's first inventory event when the feed announced it before any sale (a launch:
 * its sales so far are all its sales), otherwise from the start of the stream (it was for sale
 * before we looked). A purchase never starts the clock itself: that would make the first sale of
 * a slow seller look like a day's demand. T counts as at least `minExposureMs`, so a single
 * sale in the first minutes of a stream is not a rate of thousands a day.
 */
import { EVENT_TYPE_CODE, INVENTORY_OP_CODE } from '../events.js';
import { expectState, isArrayOf } from '../snapshot/check.js';
import type { EncodedBatch } from '../store/index.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** What a snapshot keeps: enough to continue bit for bit. */
export interface VelocityState {
  halfLifeMs: number;
  /** Reference time of the forward weights (epoch ms); null before the first purchase. */
  tRef: number | null;
  /** Earliest event time seen (epoch ms); Infinity before any event. */
  oldest: number;
  /** Newest event time seen (epoch ms); -Infinity before any event. */
  newest: number;
  /** Forward-weighted units bought, per item id. */
  units: Float64Array;
  /**
   * Per item id, when its exposure starts: NaN for an item never seen, -Infinity for "since the
   * stream started", else the time of the inventory event that announced it (epoch ms).
   */
  since: Float64Array;
}

/** Largest exponent λ(t − tRef) before rescaling; exp(40) ≈ 2.4e17 keeps f64 precise. */
const MAX_EXPONENT = 40;
const PURCHASE = EVENT_TYPE_CODE.purchase;
const INVENTORY = EVENT_TYPE_CODE.inventory;

function isInventoryOp(op: number): boolean {
  return (
    op === INVENTORY_OP_CODE.set ||
    op === INVENTORY_OP_CODE.receive ||
    op === INVENTORY_OP_CODE.adjust
  );
}

export class Velocity {
  /** Decay rate per millisecond. */
  readonly lambda: number;
  private units = new Float64Array(0);
  private since = new Float64Array(0);
  private tRef: number | undefined;
  private oldestTs = Infinity;
  private newestTs = -Infinity;

  /**
   * @param halfLifeMs how long until a sale weighs half as much
   * @param minExposureMs shortest on-sale time a rate is computed over
   */
  constructor(
    readonly halfLifeMs: number,
    readonly minExposureMs: number,
  ) {
    this.lambda = Math.LN2 / halfLifeMs;
  }

  /**
   * Restores from `exportState`. Throws AisleError('AISLE_SNAPSHOT') when the state is malformed
   * or was built with another half-life. O(items).
   */
  static fromState(halfLifeMs: number, minExposureMs: number, state: VelocityState): Velocity {
    expectState(state.halfLifeMs === halfLifeMs, 'velocity: half-life differs');
    expectState(state.tRef === null || Number.isFinite(state.tRef), 'velocity: tRef is not finite');
    const bothUnset = state.oldest === Infinity && state.newest === -Infinity;
    expectState(
      bothUnset ||
        (Number.isFinite(state.oldest) &&
          Number.isFinite(state.newest) &&
          state.oldest <= state.newest),
      'velocity: oldest and newest',
    );
    const n = state.units?.length ?? 0;
    expectState(
      isArrayOf(state.units, Float64Array) && isArrayOf(state.since, Float64Array, n),
      'velocity: arrays',
    );
    for (let i = 0; i < n; i++) {
      const u = state.units[i]!;
      const s = state.since[i]!;
      expectState(Number.isFinite(u) && u >= 0, 'velocity: units');
      expectState(Number.isNaN(s) || s === -Infinity || Number.isFinite(s), 'velocity: since');
    }
    const out = new Velocity(halfLifeMs, minExposureMs);
    out.units = state.units.slice();
    out.since = state.since.slice();
    if (state.tRef !== null) out.tRef = state.tRef;
    out.oldestTs = state.oldest;
    out.newestTs = state.newest;
    return out;
  }

  /** A copy of the state, consistent as of the call. O(items). */
  exportState(): VelocityState {
    return {
      halfLifeMs: this.halfLifeMs,
      tRef: this.tRef ?? null,
      oldest: this.oldestTs,
      newest: this.newestTs,
      units: this.units.slice(),
      since: this.since.slice(),
    };
  }

  /** Newest event time seen (epoch ms); -Infinity before any event. */
  get newest(): number {
    return this.newestTs;
  }

  /** Earliest event time seen (epoch ms); Infinity before any event. */
  get oldest(): number {
    return this.oldestTs;
  }

  /** Item ids tracked: every id seen in a purchase or an inventory event is below it. */
  get size(): number {
    return this.units.length;
  }

  /** Adds the purchases of a batch and notes items seen for the first time. O(batch). */
  ingest(batch: EncodedBatch): void {
    const { ts, type, op, item, quantity, length } = batch;
    for (let i = 0; i < length; i++) {
      const t = ts[i]!;
      if (!Number.isFinite(t)) continue;
      if (t < this.oldestTs) this.oldestTs = t;
      if (t > this.newestTs) this.newestTs = t;
      const it = item[i]!;
      const kind = type[i]!;
      if (it === 0) continue;
      if (kind === PURCHASE) {
        this.ensure(it);
        if (Number.isNaN(this.since[it]!)) this.since[it] = -Infinity;
        const q = quantity[i]!;
        if (q > 0) this.add(it, q, t);
      } else if (kind === INVENTORY && isInventoryOp(op[i]!)) {
        this.ensure(it);
        if (Number.isNaN(this.since[it]!)) this.since[it] = t;
      }
    }
  }

  /**
   * Renumbers items (engine/retention.ts): `map[id]` is the new id of `id`, 0 when it is dropped.
   * A dropped item's sales and exposure are forgotten; the clock (tRef, oldest, newest) is the
   * stream's and stays. Arrays shrink to fit `size`. O(items).
   */
  remap(map: Uint32Array, size: number): void {
    const oldLen = this.units.length;
    const n = oldLen === 0 ? 0 : Math.max(1024, Math.min(size + 1, oldLen));
    const units = new Float64Array(n);
    const since = new Float64Array(n).fill(Number.NaN);
    if (n > 0) {
      units[0] = this.units[0]!;
      since[0] = this.since[0]!;
    }
    const bound = Math.min(oldLen, map.length);
    for (let id = 1; id < bound; id++) {
      const to = map[id]!;
      if (to === 0) continue;
      units[to] = this.units[id]!;
      since[to] = this.since[id]!;
    }
    this.units = units;
    this.since = since;
  }

  /** Decayed units per day at `now`; 0 for an item never bought or an odd `now`. O(1). */
  perDay(item: number, now: number): number {
    return this.at(now)(item);
  }

  /**
   * `perDay` at one `now` for many items: the decay factor and the exposure of items on sale
   * since the stream started are shared, leaving a multiply and a divide for most items. Valid
   * until the next `ingest` or `remap`.
   */
  at(now: number): (item: number) => number {
    const { units, since, lambda } = this;
    const oldest = this.oldestTs;
    const floor = this.minExposureMs;
    if (this.tRef === undefined) return () => 0;
    const factor = Math.exp(lambda * (this.tRef - now)) * DAY_MS;
    const exposure = (age: number) => -Math.expm1(-lambda * (age > floor ? age : floor)) / lambda;
    const fromStart = exposure(now - oldest);
    return (item: number) => {
      const u = units[item];
      if (u === undefined || !(u > 0)) return 0;
      const s = since[item]!;
      const v = (u * factor) / (s > oldest ? exposure(now - s) : fromStart);
      return v > 0 && v < Infinity ? v : 0;
    };
  }

  /** How long the item has been on sale at `now` (ms); 0 for an item never seen. */
  ageMs(item: number, now: number): number {
    const s = this.since[item];
    if (s === undefined || Number.isNaN(s)) return 0;
    const age = now - (s > this.oldestTs ? s : this.oldestTs);
    return age > 0 ? age : 0;
  }

  bytes(): number {
    return this.units.byteLength + this.since.byteLength;
  }

  private add(item: number, units: number, t: number): void {
    if (this.tRef === undefined) this.tRef = t;
    const exponent = this.lambda * (t - this.tRef);
    if (exponent > MAX_EXPONENT) {
      const scale = Math.exp(-exponent);
      const u = this.units;
      for (let i = 0; i < u.length; i++) u[i] = u[i]! * scale;
      this.tRef = t;
      this.units[item] = this.units[item]! + units;
      return;
    }
    this.units[item] = this.units[item]! + units * Math.exp(exponent);
  }

  private ensure(item: number): void {
    if (item < this.units.length) return;
    const n = Math.max(item + 1, this.units.length * 2, 1024);
    const units = new Float64Array(n);
    units.set(this.units);
    this.units = units;
    const since = new Float64Array(n).fill(Number.NaN);
    since.set(this.since);
    this.since = since;
  }
}

/**
 * Time-decayed popularity and trending, global or within a candidate set (a category).
 *
 * Popularity is a long-half-life decayed count of weighted interactions. Trending compares a
 * short-half-life count against what the long-run rate predicts for that window, as a Poisson
 * z-score with a support floor, so two views of a cold item are not a trend.
 */
import type { IdKind } from '../activity.js';
import { EVENT_TYPE_CODE } from '../events.js';
import type { EncodedBatch } from '../store/index.js';
import type { Kernels } from '../wasm/index.js';
import { keepsAll } from '../remap-map.js';
import { expectState } from '../snapshot/check.js';
import { DecayedCounters, type DecayedCountersState } from './decayed-counters.js';

export interface PopularityOptions {
  /** Half-life of the trending window (ms). */
  shortHalfLifeMs: number;
  /** Half-life of the baseline and of popularity (ms). */
  longHalfLifeMs: number;
  /** Weight of each event type; types not listed weigh 0. */
  weights: Partial<Record<keyof typeof EVENT_TYPE_CODE, number>>;
  /** Weighted short-window count an item needs before it can trend. */
  minTrendSupport: number;
  /** z-score an item needs to count as trending; below it the rise is within noise. */
  minTrendZ: number;
}

export const DEFAULT_POPULARITY: PopularityOptions = {
  shortHalfLifeMs: 60 * 60 * 1000,
  longHalfLifeMs: 7 * 24 * 60 * 60 * 1000,
  weights: { view: 1, add_to_cart: 3, purchase: 5 },
  minTrendSupport: 5,
  minTrendZ: 2,
};

export interface Scored {
  ids: Uint32Array;
  scores: Float64Array;
}

/** What a snapshot keeps of the popularity model. */
export interface PopularityState {
  /** Newest event time seen (ms); -Infinity before any. */
  newest: number;
  /** Time of the first weighted event (ms); Infinity before any. */
  oldest: number;
  short: DecayedCountersState;
  long: DecayedCountersState;
}

/** Items the global popular ranking keeps beyond what is asked, to answer later asks from. */
const BEST_LIST = 256;
/** Items counted between two asks past which the best list is rebuilt rather than merged. */
const MAX_TOUCHED = 8192;

export class Popularity {
  // Assigned once, here or in `fromState`.
  private shortCounters: DecayedCounters;
  private longCounters: DecayedCounters;
  private readonly weightOf = new Float64Array(256);
  private newest = -Infinity;
  private oldest = Infinity;
  /**
   * The global popular ranking's best `ids` (raw long counts, best first) as of the last full
   * pass, the raw count of the next item then (`bound`), the counters' reference time then, and
   * the items counted since (`touched`). See `popular` for why answers from it are exact.
   */
  private best: { ids: Uint32Array; bound: number; tRef: number | undefined } | null = null;
  private touched: number[] = [];
  /** Per item id, the stamp of the last merge that saw it touched (see `mergeTouched`). */
  private marks = new Uint32Array(0);
  private mergeStamp = 0;
  /** Items that can trend, ascending, as of the last ask, and the items counted since. */
  private support: { ids: Uint32Array; tRef: number | undefined } | null = null;
  private supportTouched: number[] = [];
  /** Every weight is ≥ 0, so counts only grow and the best list can be kept (see `popular`). */
  private readonly growing: boolean;

  constructor(
    private readonly kernels: Kernels,
    readonly options: PopularityOptions = DEFAULT_POPULARITY,
  ) {
    this.shortCounters = new DecayedCounters(kernels, options.shortHalfLifeMs);
    this.longCounters = new DecayedCounters(kernels, options.longHalfLifeMs);
    for (const [name, w] of Object.entries(options.weights)) {
      this.weightOf[EVENT_TYPE_CODE[name as keyof typeof EVENT_TYPE_CODE]] = w;
    }
    this.growing = Object.values(options.weights).every((w) => w >= 0);
  }

  /**
   * Restores the model from `exportState` with the options it was built with. Throws
   * AisleError('AISLE_SNAPSHOT') when the state does not fit the options. O(capacity).
   */
  static fromState(
    kernels: Kernels,
    options: PopularityOptions,
    state: PopularityState,
  ): Popularity {
    const ok = (t: number) => Number.isFinite(t) || Math.abs(t) === Infinity;
    expectState(ok(state.newest) && ok(state.oldest), 'popularity: newest or oldest');
    const out = new Popularity(kernels, options);
    out.shortCounters = DecayedCounters.fromState(kernels, options.shortHalfLifeMs, state.short);
    out.longCounters = DecayedCounters.fromState(kernels, options.longHalfLifeMs, state.long);
    out.newest = state.newest;
    out.oldest = state.oldest;
    return out;
  }

  /** Short-half-life (trending window) counters. */
  get short(): DecayedCounters {
    return this.shortCounters;
  }

  /** Long-half-life (baseline and popularity) counters. */
  get long(): DecayedCounters {
    return this.longCounters;
  }

  /** A copy of the state, consistent as of the call. O(capacity). */
  exportState(): PopularityState {
    return {
      newest: this.newest,
      oldest: this.oldest,
      short: this.short.exportState(),
      long: this.long.exportState(),
    };
  }

  /** Newest event time seen (ms); trending is measured at this stream time. */
  get now(): number {
    return this.newest;
  }

  /**
   * Moves stream time forward to `t` without counting anything, for counters that share another
   * model's clock: a quiet key must decay while the rest of the stream goes on.
   */
  advanceTo(t: number): void {
    if (t > this.newest) this.newest = t;
  }

  /**
   * Renumbers item ids (engine/retention.ts): a kept item's counters move to its new id, a
   * dropped item's are forgotten, and the counters are reallocated for `size` items. Stream time
   * (`now`) and the stream's start stay, so the long-run rate and every kept score are unchanged:
   * rankings after it are the old ones translated, without the dropped items. Other kinds are not
   * held. A map that drops nothing changes nothing. O(capacity).
   */
  remap(kind: IdKind, map: Uint32Array, size: number): void {
    if (kind !== 'item' || keepsAll(map, size)) return;
    this.best = null;
    this.support = null;
    this.shortCounters.remap(map, size);
    this.longCounters.remap(map, size);
  }

  /** Stages the weighted events of a batch in scratch memory and scatter-adds them. */
  ingest(batch: EncodedBatch, itemCount: number): void {
    this.short.ensure(itemCount);
    this.long.ensure(itemCount);
    const { arena } = this.kernels;
    const mark = arena.scratchMark();
    try {
      const n = batch.length;
      const idxPtr = arena.scratch(n * 4);
      const tsPtr = arena.scratch(n * 8);
      const wPtr = arena.scratch(n * 8);
      const idx = arena.u32(idxPtr, n);
      const ts = arena.f64(tsPtr, n);
      const w = arena.f64(wPtr, n);
      const { type, item, quantity } = batch;
      let m = 0;
      let maxTs = this.newest;
      for (let i = 0; i < n; i++) {
        const weight = this.weightOf[type[i]!]!;
        if (weight === 0 || item[i] === 0) continue;
        const t = batch.ts[i]!;
        idx[m] = item[i]!;
        ts[m] = t;
        // A purchase of five units says more than one, but not five times more.
        w[m] =
          type[i] === EVENT_TYPE_CODE.purchase ? weight * Math.sqrt(quantity[i]! || 1) : weight;
        if (t > maxTs) maxTs = t;
        m++;
      }
      if (m === 0) return;
      if (this.best !== null) {
        if (this.touched.length + m > MAX_TOUCHED) this.best = null;
        else for (let i = 0; i < m; i++) this.touched.push(idx[i]!);
      }
      if (this.support !== null) {
        if (this.supportTouched.length + m > MAX_TOUCHED) this.support = null;
        else for (let i = 0; i < m; i++) this.supportTouched.push(idx[i]!);
      }
      if (this.oldest === Infinity) this.oldest = ts[0]!;
      this.newest = maxTs;
      this.short.add(idxPtr, tsPtr, wPtr, m, maxTs);
      this.long.add(idxPtr, tsPtr, wPtr, m, maxTs);
    } finally {
      arena.scratchReset(mark);
    }
  }

  /** Most popular items, optionally among `candidates`. Scores are decayed weighted counts. */
  popular(k: number, candidates?: Uint32Array): Scored {
    if (candidates === undefined && k > 0) return this.popularEverywhere(k);
    return this.popularPass(k, candidates);
  }

  /**
   * `popular` over every item from the best list and the items counted since, when that is
   * exact: raw counts only grow (weights ≥ 0) and all of them are scaled alike by time, so an
   * item outside the list that was not counted since still has at most `bound`, and cannot beat
   * a k-th best above it. Otherwise (or when the counters were rebased, or too many items were
   * counted since) a full pass runs and keeps the best `max(k, 256)`.
   */
  private popularEverywhere(k: number): Scored {
    const best = this.best;
    if (
      best !== null &&
      this.growing &&
      best.tRef === this.long.reference &&
      k <= best.ids.length
    ) {
      const raw = this.long.raw();
      const factor = this.long.factorAt(this.newest);
      const ids = this.mergeTouched(best.ids, raw, factor);
      const score = (id: number): number => raw[id]! * factor;
      const m = best.ids.length;
      const kept = ids.slice(0, m).filter((id) => score(id) > 0);
      const last = kept[kept.length - 1];
      const exact =
        best.bound === Number.NEGATIVE_INFINITY ||
        (kept.length === m && score(last!) > best.bound * factor);
      if (exact) {
        best.ids = Uint32Array.from(kept);
        // Items pushed out of the list are outside now: the bound covers them too.
        if (ids.length > m) best.bound = Math.max(best.bound, raw[ids[m]!]!);
        this.touched.length = 0;
        const top = kept.slice(0, k);
        return { ids: Uint32Array.from(top), scores: Float64Array.from(top, score) };
      }
    }
    const m = Math.max(k, BEST_LIST);
    const full = this.popularPass(m + 1);
    const raw = this.long.raw();
    this.best = {
      ids: full.ids.slice(0, m),
      bound: full.ids.length > m ? raw[full.ids[m]!]! : Number.NEGATIVE_INFINITY,
      tRef: this.long.reference,
    };
    this.touched.length = 0;
    return { ids: full.ids.slice(0, k), scores: full.scores.slice(0, k) };
  }

  /**
   * The best list's ids and the items counted since, each once, in ranking order (score
   * descending, then id): the order a full sort gives. The list was in that order at its last
   * refresh and its untouched items were all scaled alike since, so it is nearly sorted: touched
   * items are taken out and appended, and an insertion sort moves them (and any pair that uniform
   * scaling made equal) into place, O(list + moves) instead of a sort of the whole. With many
   * touched items it sorts outright.
   */
  private mergeTouched(list: Uint32Array, raw: Float64Array, factor: number): number[] {
    const stamp = this.nextMark(raw.length);
    const marks = this.marks;
    for (const id of this.touched) marks[id] = stamp;
    const ids: number[] = [];
    for (let i = 0; i < list.length; i++) if (marks[list[i]!] !== stamp) ids.push(list[i]!);
    for (const id of this.touched) {
      // Marked once more, so a touched item counted twice goes in once.
      if (marks[id] !== stamp) continue;
      marks[id] = stamp - 1;
      ids.push(id);
    }
    const before = (a: number, b: number): boolean => {
      const sa = raw[a]! * factor;
      const sb = raw[b]! * factor;
      return sa > sb || (sa === sb && a < b);
    };
    if (this.touched.length > 64) {
      ids.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
      return ids;
    }
    for (let i = 1; i < ids.length; i++) {
      const id = ids[i]!;
      let j = i - 1;
      while (j >= 0 && before(id, ids[j]!)) {
        ids[j + 1] = ids[j]!;
        j--;
      }
      ids[j + 1] = id;
    }
    return ids;
  }

  /**
   * A new stamp for `marks`, sized to `items` ids: no mark holds it yet. Starts over from a
   * cleared array before the stamp would wrap (after 2^32 merges), so no old mark matches.
   */
  private nextMark(items: number): number {
    if (this.marks.length < items) this.marks = new Uint32Array(items);
    if (this.mergeStamp === 0xffff_ffff) {
      this.marks.fill(0);
      this.mergeStamp = 0;
    }
    return ++this.mergeStamp;
  }

  private popularPass(k: number, candidates?: Uint32Array): Scored {
    const factor = this.long.factorAt(this.newest);
    // Every item: the scores come from one kernel pass (the same products as below).
    const all = (out: number): void =>
      this.kernels.decayedScoresF64(out, this.long.pointer, this.long.size, factor);
    return this.top(k, candidates, all, (raw, id) => {
      const v = raw.long[id]! * factor;
      return v > 0 ? v : Number.NaN;
    });
  }

  /**
   * Items whose short-window activity most exceeds their long-run rate.
   * Score: (S − E) / √(E + 1), with S the short decayed count and E what the long-run rate
   * predicts for the short window; items with S below `minTrendSupport` or z below `minTrendZ`
   * are left out.
   */
  trending(k: number, candidates?: Uint32Array): Scored {
    // Over every item, only those with the support to trend can score: score just them.
    if (candidates === undefined && k > 0 && this.growing) {
      return this.trendingPass(k, this.trendSupport());
    }
    return this.trendingPass(k, candidates);
  }

  /**
   * Items whose short count reaches `minTrendSupport` now, ascending (so a ranking over them
   * breaks ties as one over every item does). Kept between asks with the items counted since:
   * an item below the floor that was not counted since stays below it, its count only decaying,
   * so the list plus those items holds every item that can trend. A full scan when the counters
   * were rebased or too many items were counted since. O(list + counted) per ask.
   */
  private trendSupport(): Uint32Array {
    const raw = this.short.raw();
    const fs = this.short.factorAt(this.newest);
    const floor = this.options.minTrendSupport;
    const support = this.support;
    let kept: Uint32Array;
    if (support !== null && support.tRef === this.short.reference) {
      // The list is ascending; the items counted since, deduplicated by a stamp and sorted
      // (few), are merged into it: no set, and no sort of the whole.
      const stamp = this.nextMark(raw.length);
      const marks = this.marks;
      const added: number[] = [];
      for (const id of this.supportTouched) {
        if (marks[id] === stamp) continue;
        marks[id] = stamp;
        if (!(raw[id]! * fs < floor)) added.push(id);
      }
      added.sort((a, b) => a - b);
      const out = new Uint32Array(support.ids.length + added.length);
      let n = 0;
      let j = 0;
      for (let i = 0; i < support.ids.length; i++) {
        const id = support.ids[i]!;
        // A touched item is placed from `added` (or left out there, when below the floor).
        if (marks[id] === stamp) continue;
        while (j < added.length && added[j]! < id) out[n++] = added[j++]!;
        if (!(raw[id]! * fs < floor)) out[n++] = id;
      }
      while (j < added.length) out[n++] = added[j++]!;
      kept = out.subarray(0, n);
    } else {
      const ids: number[] = [];
      for (let id = 1; id < this.short.size; id++) if (!(raw[id]! * fs < floor)) ids.push(id);
      kept = Uint32Array.from(ids);
    }
    this.support = { ids: kept, tRef: this.short.reference };
    this.supportTouched.length = 0;
    return kept;
  }

  private trendingPass(k: number, candidates?: Uint32Array): Scored {
    const fs = this.short.factorAt(this.newest);
    const fl = this.long.factorAt(this.newest);
    const ratio = this.expectedShortPerLong();
    const floor = this.options.minTrendSupport;
    const minZ = this.options.minTrendZ;
    const all =
      this.short.size === this.long.size
        ? (out: number): void =>
            this.kernels.trendScoresF64(
              out,
              this.short.pointer,
              this.long.pointer,
              this.long.size,
              {
                fs,
                fl,
                ratio,
                floor,
                minZ,
              },
            )
        : undefined;
    return this.top(k, candidates, all, (raw, id) => {
      const s = raw.short[id]! * fs;
      if (s < floor) return Number.NaN;
      const e = raw.long[id]! * fl * ratio;
      const z = (s - e) / Math.sqrt(e + 1);
      return z >= minZ ? z : Number.NaN;
    });
  }

  /** Decayed short count, and the short count its long-run rate predicts, at stream time. */
  countsOf(id: number): { short: number; expected: number } {
    return {
      short: this.short.valueAt(id, this.newest),
      expected: this.long.valueAt(id, this.newest) * this.expectedShortPerLong(),
    };
  }

  /**
   * Short-window count expected per unit of long count at a steady rate. A decayed counter that
   * has run for T holds rate · (1 − e^(−λT)) / λ, so a young stream is not mistaken for a trend.
   */
  private expectedShortPerLong(): number {
    const age = Math.max(0, this.newest - this.oldest);
    const ls = this.short.lambda;
    const ll = this.long.lambda;
    const fillShort = age === 0 ? 1 : -Math.expm1(-ls * age) / ls;
    const fillLong = age === 0 ? 1 : -Math.expm1(-ll * age) / ll;
    return fillShort / fillLong;
  }

  /**
   * The best `k` by `score`, among `candidates` or every item. For every item, `all` (when
   * given) writes the same scores in one kernel pass instead of a call per item.
   */
  private top(
    k: number,
    candidates: Uint32Array | undefined,
    all: ((out: number) => void) | undefined,
    score: (raw: { short: Float64Array; long: Float64Array }, id: number) => number,
  ): Scored {
    const size = this.long.size;
    const n = candidates === undefined ? size : candidates.length;
    if (n === 0 || size === 0 || k <= 0)
      return { ids: new Uint32Array(0), scores: new Float64Array(0) };
    const { arena } = this.kernels;
    const mark = arena.scratchMark();
    try {
      // Allocate everything first: views made before an allocation could go stale.
      const scoresPtr = arena.scratch(n * 8);
      const outIdxPtr = arena.scratch(k * 4);
      const outScorePtr = arena.scratch(k * 8);
      if (candidates === undefined && all !== undefined) {
        all(scoresPtr);
      } else {
        const raw = { short: this.short.raw(), long: this.long.raw() };
        const scores = arena.f64(scoresPtr, n);
        for (let i = 0; i < n; i++) {
          const id = candidates === undefined ? i : candidates[i]!;
          scores[i] = id > 0 && id < size ? score(raw, id) : Number.NaN;
        }
      }
      const count = this.kernels.topkF64(outIdxPtr, outScorePtr, scoresPtr, n, k);
      const pos = arena.u32(outIdxPtr, count);
      const ids = new Uint32Array(count);
      for (let i = 0; i < count; i++)
        ids[i] = candidates === undefined ? pos[i]! : candidates[pos[i]!]!;
      return { ids, scores: arena.f64(outScorePtr, count).slice() };
    } finally {
      arena.scratchReset(mark);
    }
  }
}

/**
 * Sales analytics fed by purchase lines: customers and their RFM segments, basket statistics,
 * and revenue over sliding windows. One owner for the three, so the engine feeds, snapshots and
 * restores them together.
 *
 * Scoring every customer costs a pass over all of them (about 10 ms at 100,000), and a live
 * stream changes the population with every order; so a segment summary younger than
 * `segmentsMaxAgeMs` of stream time is served as it was, saying when it was computed, instead of
 * rescoring on every question.
 */
import type { IdKind } from '../activity.js';
import { AisleError } from '../errors.js';
import { dropsNothing } from '../remap-map.js';
import { expectState } from '../snapshot/check.js';
import type { EncodedBatch } from '../store/index.js';
import {
  Baskets,
  resolveBasketOptions,
  type BasketOptions,
  type BasketState,
  type BasketStats,
} from './baskets.js';
import { Customers, type CustomerSegment, type CustomersState } from './customers.js';
import {
  Revenue,
  resolveRevenueOptions,
  type RevenueOptions,
  type RevenueQuery,
  type RevenueResult,
  type RevenueSeries,
  type RevenueSeriesQuery,
  type RevenueState,
} from './revenue.js';
import type { RfmSummary } from './segments.js';

export interface SalesOptions {
  baskets?: BasketOptions;
  revenue?: RevenueOptions;
  /** Stream time a segment summary is served for before customers are scored again. Default 1 min. */
  segmentsMaxAgeMs?: number;
}

export const DEFAULT_SEGMENTS_MAX_AGE_MS = 60_000;

/** What a snapshot keeps. */
export interface SalesState {
  customers: CustomersState;
  baskets: BasketState;
  revenue: RevenueState;
  /**
   * The segment summary being served, and whether customers are unchanged since it was
   * computed: a restored engine must serve what the saved one would have.
   */
  served: { summary: RfmSummary; current: boolean } | null;
}

/** A segment summary and whether it is the one computed at the time asked for. */
export type SegmentsView = RfmSummary & {
  /** Stream time the scores were computed at (the summary's `now`); older than asked when cached. */
  computedAt: number;
};

/** Checks the options (throws AisleError('AISLE_INVALID_ARGUMENT') naming the field). */
export function resolveSalesOptions(options: SalesOptions = {}): SalesOptions {
  resolveBasketOptions(options.baskets);
  resolveRevenueOptions(options.revenue);
  const age = options.segmentsMaxAgeMs;
  if (age !== undefined && !(Number.isFinite(age) && age >= 0)) {
    throw new AisleError(
      'AISLE_INVALID_ARGUMENT',
      `sales segmentsMaxAgeMs must be a number of ms ≥ 0, not ${String(age)}`,
      { field: 'segmentsMaxAgeMs' },
    );
  }
  return { ...options };
}

export class Sales {
  private summary: RfmSummary | undefined;
  private summaryVersion = -1;

  private constructor(
    readonly options: SalesOptions,
    private readonly categoryOf: (item: number) => number,
    readonly customers: Customers,
    readonly baskets: Baskets,
    readonly revenue: Revenue,
  ) {}

  static create(options: SalesOptions, categoryOf: (item: number) => number): Sales {
    const o = resolveSalesOptions(options);
    return new Sales(
      o,
      categoryOf,
      new Customers(),
      new Baskets(o.baskets),
      new Revenue(o.revenue),
    );
  }

  /** Restores from `exportState`; throws AisleError('AISLE_SNAPSHOT') when it does not fit. */
  static fromState(
    options: SalesOptions,
    categoryOf: (item: number) => number,
    state: SalesState,
  ): Sales {
    expectState(typeof state === 'object' && state !== null, 'sales: state');
    const o = resolveSalesOptions(options);
    const served = state.served;
    expectState(
      served === null ||
        (typeof served === 'object' &&
          typeof served.current === 'boolean' &&
          typeof served.summary === 'object' &&
          served.summary !== null &&
          Number.isFinite(served.summary.now) &&
          Array.isArray(served.summary.segments)),
      'sales: served segments',
    );
    const out = new Sales(
      o,
      categoryOf,
      Customers.fromState(state.customers),
      Baskets.fromState(o.baskets ?? {}, state.baskets),
      Revenue.fromState(o.revenue ?? {}, state.revenue),
    );
    if (served !== null) {
      out.summary = served.summary;
      out.summaryVersion = served.current ? out.customers.version : -1;
    }
    return out;
  }

  exportState(): SalesState {
    return {
      customers: this.customers.exportState(),
      baskets: this.baskets.exportState(),
      revenue: this.revenue.exportState(),
      served:
        this.summary === undefined
          ? null
          : {
              summary: structuredClone(this.summary),
              current: this.summaryVersion === this.customers.version,
            },
    };
  }

  ingest(batch: EncodedBatch): void {
    this.customers.ingest(batch);
    this.baskets.ingest(batch);
    this.revenue.ingest(batch, this.categoryOf);
  }

  /**
   * Renumbers user, item or order ids (engine/retention.ts): `map[id]` is the new id, 0 when
   * dropped; kept ids keep their order, numbered 1..`size`. Users: customers (a dropped one
   * leaves the segments, and the summary being served goes with the population it described).
   * Items: the revenue series per item (shop and category totals stay exact). Orders: the counted
   * orders of customers and revenue, and the basket records (totals and quantiles stay). Throws
   * AisleError('AISLE_INVALID_ARGUMENT') when the map does not cover the ids held.
   */
  remap(kind: IdKind, map: Uint32Array, size: number): void {
    if (dropsNothing(map, size)) return;
    if (kind === 'user') {
      this.customers.remap(kind, map, size);
      this.summary = undefined;
      this.summaryVersion = -1;
    } else if (kind === 'item') {
      this.revenue.remap(kind, map, size);
    } else if (kind === 'order') {
      this.customers.remap(kind, map, size);
      this.baskets.remap(kind, map, size);
      this.revenue.remap(kind, map, size);
    }
  }

  /**
   * RFM segments with recency at `now`. Rescored when customers changed and the last summary
   * is older than `segmentsMaxAgeMs` (or `fresh`); otherwise the last summary, at its own time.
   */
  segments(now: number, fresh = false): SegmentsView {
    const version = this.customers.version;
    const maxAge = this.options.segmentsMaxAgeMs ?? DEFAULT_SEGMENTS_MAX_AGE_MS;
    const cached = this.summary;
    const usable =
      cached !== undefined &&
      !fresh &&
      version !== this.summaryVersion &&
      now >= cached.now &&
      now - cached.now < maxAge;
    if (!usable) {
      this.summary = this.customers.segments(now);
      this.summaryVersion = version;
    }
    return { ...this.summary!, computedAt: this.summary!.now };
  }

  /** One customer's scores and segment at `now` (rescoring if customers changed). */
  segmentOf(user: number, now: number): CustomerSegment | undefined {
    return this.customers.segmentOf(user, now);
  }

  basketStats(): BasketStats {
    return this.baskets.stats();
  }

  revenueIn(query: RevenueQuery, now: number): RevenueResult {
    return this.revenue.revenue(query, now);
  }

  revenueSeries(query: RevenueSeriesQuery, now: number): RevenueSeries {
    return this.revenue.series(query, now);
  }

  get bytes(): number {
    return this.customers.bytes + this.baskets.bytes + this.revenue.bytes;
  }
}

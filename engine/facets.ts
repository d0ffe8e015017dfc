/**
 * The Engine's answers other than rankings, grouped by who asks them: `engine.analytics`
 * (behaviour and sales), `engine.inventory` (stock and its alerts), `engine.prices` (price
 * history and elasticity). Each facet is a thin front over the analytics views
 * (engine/analytics-views.ts) that first checks the engine is open, so a closed engine refuses
 * every question the same way.
 */
import type {
  AnalyticsViews,
  AnomalyView,
  CustomerSegmentView,
  FunnelView,
  GroupByQuery,
  GroupByView,
  InventoryAlertView,
  InventoryReportView,
  PairStats,
  AudienceView,
  ElasticitiesView,
  PriceRecommendationOptions,
  PriceRecommendationView,
  PriceReport,
  RevenueView,
  UserHistoryView,
} from './analytics-views.js';
import type { BasketStats } from './analytics/baskets.js';
import type { SegmentsView } from './analytics/sales.js';
import type { TrendingReport } from './analytics/trend-report.js';
import {
  checkDuration,
  checkName,
  checkNumber,
  checkOptionalBoolean,
  checkOptionalName,
  checkOptions,
} from './arguments.js';
import { invalidArgument } from './errors.js';
import { RFM_SEGMENTS } from './analytics/segments.js';
import { checkK } from './recommend/query.js';
import type { InventoryAlertType } from './inventory/index.js';

/**
 * Weight of a shopper's past orders of the item in `audience` (per log(1 + orders)), chosen on
 * Online Retail's validation split (docs/evaluation.md).
 */
const AUDIENCE_REPEAT_WEIGHT = 3;

/** Most items `userHistory` lists: a page for a person to read, not an export. */
const MAX_HISTORY = 1000;

/** What every facet needs from its engine. */
interface FacetHost {
  views: AnalyticsViews;
  /** Throws AisleError('AISLE_CLOSED') once the engine is closed. */
  assertOpen(): void;
}

/** Behaviour and sales analytics at stream time. */
export class AnalyticsFacet {
  constructor(private readonly host: FacetHost) {}

  private get views(): AnalyticsViews {
    this.host.assertOpen();
    return this.host.views;
  }

  /**
   * Trending items (within `category` when given) and trending categories at stream time, each
   * with its recent count, expected count and lift; an unknown category lists no items. The
   * ranking itself, with business filters and a popular fill, is `recommend({ type: 'trending' })`.
   */
  trending(opts: { k?: number; category?: string } = {}): TrendingReport {
    const views = this.views;
    const o = checkOptions('opts', opts, ['k', 'category']);
    const category = checkOptionalName('category', o.category);
    return views.trendingReport(checkK(o.k), category === undefined ? {} : { category });
  }

  /**
   * Views → carts → purchases over the last `window` of stream time (`'15m'`, `'1h'`, `'7d'`),
   * for an item, a category or the whole shop, with conversion rates; with `step`, the window as
   * a series too (`points`). An unknown item or category reports `known: false` and zero counts.
   * Throws AisleError('AISLE_INVALID_ARGUMENT') naming the field for a bad window or step.
   */
  funnel(q: { window: string; step?: string; item?: string; category?: string }): FunnelView {
    const views = this.views;
    const checked = checkKeyedWindow(q, ['window', 'step', 'item', 'category']);
    if (checked.step !== undefined) checkDuration('step', checked.step);
    return views.funnel(checked);
  }

  /** Anomalies in event rates and conversion: active episodes and recent alerts. */
  anomalies(): { active: AnomalyView[]; recent: AnomalyView[] } {
    return this.views.anomalies();
  }

  /** Anomaly alerts raised since the last call, for a host to publish; each handed out once. */
  drainAnomalyAlerts(): AnomalyView[] {
    return this.views.drainAnomalyAlerts();
  }

  /**
   * Customers' RFM segments at stream time: cut points and per-segment customers, revenue and
   * means. A summary computed less than `sales.segmentsMaxAgeMs` of stream time ago is served
   * as it was (`computedAt` says when) unless `fresh`.
   */
  segments(opts: { fresh?: boolean } = {}): SegmentsView {
    const views = this.views;
    const o = checkOptions('opts', opts, ['fresh']);
    checkOptionalBoolean('fresh', o.fresh);
    return views.segments(o);
  }

  /**
   * Targeted promotions: the `k` shoppers (default 20, up to 1000) most likely to buy `item`, or
   * in `category`, by the factor model's affinity (the user's vector against the item's, or the
   * category items' mean) plus `repeatWeight` (default 3) times log(1 + their past orders of it),
   * since shoppers come back for what they bought; leaving out those who bought it within `excludeDays` (default 30) and,
   * with `segments`, those outside those RFM segments; each with a reason from their history.
   * An unknown item or category gives `known: false`; without a factor model the audience is
   * empty and a note says so. O(users · factors) per call.
   */
  audience(q: {
    item?: string;
    category?: string;
    k?: number;
    excludeDays?: number;
    segments?: readonly string[];
    repeatWeight?: number;
  }): AudienceView {
    const o = checkOptions('query', q, [
      'item',
      'category',
      'k',
      'excludeDays',
      'segments',
      'repeatWeight',
    ]);
    const repeatWeight = o.repeatWeight ?? AUDIENCE_REPEAT_WEIGHT;
    checkNumber('repeatWeight', repeatWeight, { min: 0 });
    const item = checkOptionalName('item', o.item);
    const category = checkOptionalName('category', o.category);
    if ((item === undefined) === (category === undefined)) {
      throw invalidArgument('item', 'give an item or a category (one of them)');
    }
    const k = o.k ?? 20;
    checkNumber('k', k, { min: 1, integer: true });
    if (k > 1000) throw invalidArgument('k', 'must be at most 1000');
    const excludeDays = o.excludeDays ?? 30;
    checkNumber('excludeDays', excludeDays, { min: 0 });
    if (o.segments !== undefined) {
      if (!Array.isArray(o.segments)) throw invalidArgument('segments', 'must be an array');
      for (const s of o.segments) {
        if (!(RFM_SEGMENTS as readonly string[]).includes(s)) {
          throw invalidArgument(
            'segments',
            `${String(s)} is not one of ${RFM_SEGMENTS.join(', ')}`,
          );
        }
      }
    }
    return this.views.audience({
      ...(item !== undefined && { item }),
      ...(category !== undefined && { category }),
      k,
      excludeDays,
      repeatWeight,
      ...(o.segments !== undefined && { segments: o.segments }),
    });
  }

  /** One customer's facts, RFM scores and segment; `known: false` for a user who never bought. */
  customerSegment(user: string): CustomerSegmentView {
    const views = this.views;
    return views.customerSegment(checkName('user', user));
  }

  /**
   * The shopper's items, newest first (arrival order): each with its last interaction time,
   * strength (weighted event count) and whether it was bought; at most `limit` (default 20, up to
   * 1000). An unknown user has no items and `known: false`. O(m) for a user with m items.
   */
  userHistory(user: string, opts: { limit?: number } = {}): UserHistoryView {
    const views = this.views;
    checkName('user', user);
    const o = checkOptions('opts', opts, ['limit']);
    if (o.limit !== undefined) {
      checkNumber('limit', o.limit, { min: 1, integer: true });
      if (o.limit > MAX_HISTORY) throw invalidArgument('limit', `must be at most ${MAX_HISTORY}`);
    }
    return views.userHistory(user, o.limit ?? 20);
  }

  /** Orders, lines, units, order value and basket size (means and quantiles) since the start. */
  basketStats(): BasketStats {
    return this.views.basketStats();
  }

  /**
   * Revenue, units, lines and orders over a sliding window (`'15m'`, `'1h'`, `'7d'`) ending at
   * stream time, for the shop, an item or a category; with `step`, the window as a series.
   * Unknown keys give zeros and `known: false`. Throws AisleError('AISLE_INVALID_ARGUMENT')
   * naming the field for bad windows or steps.
   */
  revenue(q: { window: string; step?: string; item?: string; category?: string }): RevenueView {
    const views = this.views;
    const checked = checkKeyedWindow(q, ['window', 'step', 'item', 'category']);
    if (checked.step !== undefined) checkDuration('step', checked.step);
    return views.revenue(checked);
  }

  /**
   * A windowed group-by over the event log: events, units and revenue per item, user or category
   * for the events of `types` in [from, to), or in the `window` ending with the newest event;
   * the `top` groups by revenue, then events. A bulk scan in the WASM kernels (cost grows with
   * the events in the window), for reports and ad-hoc questions the incremental state does not
   * keep. Throws AisleError('AISLE_INVALID_ARGUMENT') naming the field of a bad query.
   */
  groupBy(q: GroupByQuery): GroupByView {
    const views = this.views;
    const o = checkOptions('query', q, ['by', 'window', 'from', 'to', 'types', 'top']);
    if (o.window !== undefined) checkDuration('window', o.window);
    if (o.from !== undefined) checkNumber('from', o.from, { min: -Infinity });
    if (o.to !== undefined) checkNumber('to', o.to, { min: -Infinity });
    return views.groupBy(o);
  }

  /** Orders holding `item` (0 when unknown). */
  ordersOf(item: string): number {
    const views = this.views;
    return views.ordersOf(checkName('item', item));
  }

  /**
   * The association figures of two items bought together: orders holding both, support,
   * confidence and lift; null when no order holds both.
   */
  pairStats(item: string, other: string): PairStats | null {
    const views = this.views;
    return views.pairStats(checkName('item', item), checkName('other', other));
  }
}

/** Stock, sales velocity and inventory alerts. */
export class InventoryFacet {
  constructor(private readonly host: FacetHost) {}

  private get views(): AnalyticsViews {
    this.host.assertOpen();
    return this.host.views;
  }

  /**
   * Stock, sales velocity, days of cover, stockout risk before the next delivery, reorder point
   * and order quantity of an item, as of stream time. Unknown items report no level.
   */
  report(item: string): InventoryReportView {
    const views = this.views;
    return views.inventoryReport(checkName('item', item));
  }

  /**
   * Open inventory alerts (stockout risk, oversell, overstock, unknown SKU), oldest first, items
   * by name; of one `type` when given, the first `limit` when given. Listing is O(open alerts);
   * naming them costs about a microsecond each, so a service asks for a page.
   */
  alerts(opts: { type?: InventoryAlertType; limit?: number } = {}): InventoryAlertView[] {
    const views = this.views;
    return views.inventoryAlerts(checkOptions('opts', opts, ['type', 'limit']));
  }

  /** Open inventory alerts per type. O(open alerts). */
  alertCounts(): Record<InventoryAlertType, number> {
    return this.views.inventoryAlertCounts();
  }

  /** Alerts raised since the last call, for a host to publish; each is handed out once. */
  drainAlerts(): InventoryAlertView[] {
    return this.views.drainInventoryAlerts();
  }
}

/** Price history, elasticity and markdowns. */
export class PricesFacet {
  constructor(private readonly host: FacetHost) {}

  /**
   * Price history (list and observed sale prices), own-price elasticity with its 95% interval
   * (or the reason the data cannot support one) and, given the stock to clear in `targetDays`,
   * a markdown suggestion.
   */
  report(item: string, opts: { stock?: number; targetDays?: number } = {}): PriceReport {
    this.host.assertOpen();
    checkName('item', item);
    const o = checkOptions('opts', opts, ['stock', 'targetDays']);
    if (o.stock !== undefined) checkNumber('stock', o.stock, { min: 0 });
    if (o.targetDays !== undefined)
      checkNumber('targetDays', o.targetDays, { min: 0, exclusive: true });
    return this.host.views.priceReport(item, o);
  }

  /**
   * The own-price elasticity of every item with a price history, with demand counted in units
   * (default) or purchase lines (`demand: 'lines'`, which quantity discounts do not sway), and
   * with `pooled` each item's estimate shrunk towards its category's (or, for an item without
   * one, the category's predictive interval): see engine/analytics/price/pooled.ts. O(items ·
   * periods): a report, not a per-request call.
   */
  elasticities(opts: { demand?: 'units' | 'lines'; pooled?: boolean } = {}): ElasticitiesView {
    this.host.assertOpen();
    const o = checkOptions('opts', opts, ['demand', 'pooled']);
    if (o.demand !== undefined && o.demand !== 'units' && o.demand !== 'lines') {
      throw invalidArgument('demand', "must be 'units' or 'lines'");
    }
    if (o.pooled !== undefined && typeof o.pooled !== 'boolean') {
      throw invalidArgument('pooled', 'must be a boolean');
    }
    return this.host.views.elasticities(o);
  }

  /**
   * The price that maximises expected profit (`objective` 'expected', the default) or a cautious
   * quantile of it ('cautious', `caution` 0.25), under the item's elasticity and its uncertainty,
   * within the constraints (least margin, largest step, how far beyond the observed prices, a
   * price ending), with expected demand, revenue and profit now and at the answer and the curve
   * for a chart. The cost is `cost`, else the catalogue's, else today's price less `margin`.
   * A refusal, with the reason, when the item, its price, its cost, its elasticity or its pace
   * of sales is unknown. Throws AisleError('AISLE_INVALID_ARGUMENT') naming a bad option.
   */
  recommend(item: string, opts: PriceRecommendationOptions = {}): PriceRecommendationView {
    this.host.assertOpen();
    checkName('item', item);
    const o = checkOptions('opts', opts, [
      'cost',
      'margin',
      'objective',
      'caution',
      'minMargin',
      'maxChange',
      'beyondObserved',
      'ending',
      'lookback',
      'demand',
      'targetDays',
      'stock',
      'pooled',
    ]);
    if (o.pooled !== undefined && typeof o.pooled !== 'boolean') {
      throw invalidArgument('pooled', 'must be a boolean');
    }
    if (o.stock !== undefined) checkNumber('stock', o.stock, { min: 0 });
    if (o.targetDays !== undefined)
      checkNumber('targetDays', o.targetDays, { min: 0, exclusive: true });
    if (o.demand !== undefined && o.demand !== 'units' && o.demand !== 'lines') {
      throw invalidArgument('demand', "must be 'units' or 'lines'");
    }
    if (o.cost !== undefined) checkNumber('cost', o.cost, { min: 0 });
    if (o.margin !== undefined) {
      checkNumber('margin', o.margin, { min: 0 });
      if (!(o.margin < 1)) throw invalidArgument('margin', 'must be below 1');
    }
    if (o.lookback !== undefined) checkNumber('lookback', o.lookback, { min: 1, integer: true });
    // The rest are checked where they are used, with the same field names.
    return this.host.views.priceRecommendation(item, o);
  }
}

/** A windowed question: an object of `keys` with a `window` and optional item and category. */
function checkKeyedWindow<Q extends { window: string; item?: string; category?: string }>(
  q: Q,
  keys: readonly string[],
): Q {
  const o = checkOptions('query', q, keys);
  checkDuration('window', o.window);
  checkOptionalName('item', o.item);
  checkOptionalName('category', o.category);
  return o;
}

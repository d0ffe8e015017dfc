/**
 * The retail-analytics answers of the Engine: trending report, inventory, prices, funnels,
 * anomalies, customer segments, baskets, revenue and the group-by over the log. The models count
 * in dense ids; this module asks them and puts names back (items, categories, users, locations),
 * so the Engine keeps only one-line delegates and the models stay ignorant of names.
 */
import type { Catalogue } from './catalogue.js';
import type { CategoryIndex } from './category-index.js';
import { AisleError } from './errors.js';
import type { EventType } from './events.js';
import { estimateBytes } from './memory.js';
import {
  INVENTORY_ALERT_TYPES,
  type Inventory,
  type InventoryAlert,
  type InventoryAlertType,
  type InventoryReport,
} from './inventory/index.js';
import type { AnomalyAlert, AnomalyDetector } from './analytics/anomalies.js';
import type { BasketStats } from './analytics/baskets.js';
import type { CategoryTrends } from './analytics/category-trends.js';
import type { CustomerSegment } from './analytics/customers.js';
import type { FunnelPoint, FunnelResult, Funnels } from './analytics/funnel.js';
import {
  isRefusal,
  itemElasticity,
  itemMarkdown,
  fitGroup,
  poolElasticities,
  pooledFor,
  recommendPrice,
  type GroupFit,
  type PooledElasticity,
  type PriceConstraints,
  type PriceRecommendation,
  type ElasticityResult,
  type MarkdownResult,
  type PriceChangePoint,
  type PriceHistory,
} from './analytics/price/index.js';
import type { RevenueResult, RevenueSeries } from './analytics/revenue.js';
import type { Sales, SegmentsView } from './analytics/sales.js';
import { groupByWindow, type GroupRow, type ScanKey } from './analytics/scan.js';
import { trendFigures, type TrendingItem, type TrendingReport } from './analytics/trend-report.js';
import { formatWindow, parseWindow } from './analytics/windows.js';
import type { Association, Cooccurrence } from './models/cooccurrence.js';
import type { Popularity } from './models/popularity.js';
import type { UserHistory } from './models/user-history.js';
import type { AlsServing } from './recommend/als-serving.js';
import { topK } from './models/top-k.js';
import type { EventStore } from './store/index.js';
import type { Kernels } from './wasm/index.js';

/** `inventoryReport`: the item's name and whether the engine knows it, then the figures. */
export type InventoryReportView = Omit<InventoryReport, 'byLocation'> & {
  item: string;
  known: boolean;
  /** Levels per location (null for stock kept without a location). */
  byLocation?: { location: string | null; level: number }[];
};

/** `funnel`: counts and rates over the window, with the key asked for. */
export type FunnelView = FunnelResult & {
  known: boolean;
  item?: string;
  category?: string;
  /** With `step`: its length, ms, and the window as consecutive steps, oldest first. */
  step?: number;
  points?: FunnelPoint[];
};

/** `groupBy`: a windowed group-by over the event log. */
export interface GroupByQuery {
  by: ScanKey;
  /** A duration (`'7d'`) ending with the newest event; or give `from` / `to`. */
  window?: string;
  /** Window start and end, epoch ms, [from, to); an end left out is open. */
  from?: number;
  to?: number;
  types?: EventType[];
  top?: number;
}

export interface GroupByView {
  by: ScanKey;
  /** The window scanned; null for an open end. */
  from: number | null;
  to: number | null;
  rows: GroupRow[];
}

/** `customerSegment`: a customer's facts, scores and segment, by name. */
export type CustomerSegmentView =
  (Omit<CustomerSegment, 'user'> & { user: string; known: true }) | { user: string; known: false };

/** `revenue`: totals over the window, or a series with `step`, with the key asked for. */
export type RevenueView = (RevenueResult | RevenueSeries) & {
  known: boolean;
  item?: string;
  category?: string;
};

/** An anomaly with its category by name (null for the whole shop). */
export type AnomalyView = Omit<AnomalyAlert, 'category'> & { category: string | null };

/** An inventory alert with its item by name. */
export type InventoryAlertView = Omit<InventoryAlert, 'item'> & { item: string };

/** One item of a shopper's history (`userHistory`). */
export interface UserHistoryEntry {
  item: string;
  /** Last interaction with the item, epoch ms of event time. */
  lastSeen: number;
  /** Weighted count of the shopper's events on the item (by default a view 1, a cart 2, a purchase 4). */
  strength: number;
  bought: boolean;
}

/** `userHistory`: the shopper's items, newest first; none for an unknown user. */
export interface UserHistoryView {
  user: string;
  known: boolean;
  items: UserHistoryEntry[];
}

/** `priceRecommendation`'s options: the cost when the catalogue has none, and the search's. */
export interface PriceRecommendationOptions extends Partial<PriceConstraints> {
  /** Unit cost, over the catalogue's. */
  cost?: number;
  /** Without a cost: the margin assumed at today's price, cost = price · (1 − margin). */
  margin?: number;
  objective?: 'expected' | 'cautious';
  caution?: number;
  /** Days of sales the pace at today's price is measured over. Default 14. */
  lookback?: number;
  /** The elasticity by units (default) or purchase lines (see ElasticityOptions.demand). */
  demand?: 'units' | 'lines';
  /** Without an own estimate, borrow the category's pooled one (default true). */
  pooled?: boolean;
  /**
   * With `targetDays`: the price goes no higher than the markdown that sells `stock` (default
   * the recorded level) in that many days, so the two answers agree where stock is the limit.
   */
  targetDays?: number;
  stock?: number;
}

/** `priceRecommendation`: the answer, or why there is none. */
export type PriceRecommendationView =
  | (PriceRecommendation & {
      item: string;
      known: true;
      cost: number;
      /** Where the cost came from. */
      costFrom: 'catalogue' | 'request' | 'margin';
      /** The item's own estimate, or why it has none (then `pooled` is what was used). */
      elasticity: ElasticityResult;
      /** Without an own estimate: its category's pooled one (engine/analytics/price/pooled.ts). */
      pooled?: PooledElasticity;
    })
  | { item: string; known: boolean; refused: string; elasticity?: ElasticityResult };

/** `elasticities`: every item with a price history. */
export interface ElasticitiesView {
  demand: 'units' | 'lines';
  items: {
    item: string;
    category?: string;
    /** The item's own estimate, or why there is none (the per-item rules). */
    own: ElasticityResult;
    /** With `pooled`: the estimate shrunk towards its category's, or the category's alone. */
    pooled?: PooledElasticity;
  }[];
  /** With `pooled`: each category's fit, and the shop's ('*'). */
  groups?: GroupFit[];
}

/** `audience`: who to tell about an item or a category. */
export interface AudienceQuery {
  item?: string;
  category?: string;
  k: number;
  /** Leave out shoppers who bought the item (or in the category) within this many days. */
  excludeDays: number;
  /** Only shoppers of these RFM segments. */
  segments?: readonly string[];
  /** Added to the affinity per log(1 + the shopper's past orders of it). */
  repeatWeight: number;
}

export interface AudienceMember {
  user: string;
  /** The factor model's affinity: the user's vector · the item's (or the category's mean). */
  score: number;
  /** The shopper's RFM segment, for those who bought anything. */
  segment?: string;
  reason: string;
}

export interface AudienceView {
  item?: string;
  category?: string;
  /** False for an unknown item or category. */
  known: boolean;
  audience: AudienceMember[];
  /** Shoppers passed over: recent buyers, and those outside the segments asked for. */
  excluded: { recentBuyers: number; segment: number };
  notes: string[];
}

/** `priceReport`. */
export interface PriceReport {
  item: string;
  known: boolean;
  currentPrice?: number;
  changes: PriceChangePoint[];
  elasticity: ElasticityResult;
  markdown?: MarkdownResult;
}

/** `pairStats`: two items bought together (see Cooccurrence.association). */
export type PairStats = Association;

/** What the answers read: the engine's store, catalogue and analytics models (all live). */
export interface AnalyticsContext {
  kernels: Kernels;
  /** Dictionaries for names, and the log for `groupBy`. */
  store: EventStore;
  catalogue: Catalogue;
  categories: CategoryIndex;
  /** Stream time, and the item counters behind the trending report. */
  popularity: Popularity;
  categoryTrends: CategoryTrends;
  inventory: Inventory;
  priceHistory: PriceHistory;
  funnels: Funnels;
  anomalies: AnomalyDetector;
  sales: Sales;
  /** Orders and the items in them. */
  alsoBought: Cooccurrence;
  /** Per shopper and item: strength, last interaction, purchases. */
  history: UserHistory;
  /** The factor model serving now, if one was trained. */
  als(): AlsServing | null;
  /** Margins assumed for items without a cost, by category and '*' (EngineOptions.pricing). */
  margins: Readonly<Record<string, number>>;
  /** Dense ids of a category's items; undefined means all items, null an unknown category. */
  candidates(category: string | undefined): Uint32Array | undefined | null;
}

/**
 * The analytics answers by name, each documented on the facet method that serves it
 * (engine/facets.ts, the public surface). Every call reads the models as they are now; the one
 * thing kept is a small cache of pooled elasticity fits (bounded, counted as `analytics`).
 * Arguments are checked here or by the models and refused with
 * AisleError('AISLE_INVALID_ARGUMENT') naming the field.
 */
/** Most items a pooled elasticity fit reads (groupFit): an even sample past that. */
const POOL_SAMPLE = 2000;

/** Most pooled fits kept (one per category and demand measure); all are dropped past it. */
const MAX_FITS = 1024;

export class AnalyticsViews {
  /** Pooled elasticity fits by demand measure and category, with the period they hold for. */
  private readonly fits = new Map<string, { period: number; fit: GroupFit | null }>();

  constructor(private readonly m: AnalyticsContext) {}

  /** Bytes of the pooled-fit cache, for the memory report. */
  cacheBytes(): number {
    return estimateBytes(this.fits);
  }

  /** `k` is already checked by the Engine, like every ranking's. */
  trendingReport(k: number, opts: { category?: string }): TrendingReport {
    const candidates = this.m.candidates(opts.category);
    const where = opts.category === undefined ? '' : ` in ${opts.category}`;
    const items: TrendingItem[] = [];
    if (candidates !== null) {
      const { ids, scores } = this.m.popularity.trending(k, candidates);
      ids.forEach((id, i) => {
        const { short, expected } = this.m.popularity.countsOf(id);
        const name = this.m.store.dicts.item.value(id)!;
        const category = this.m.catalogue.get(name)?.category;
        items.push({
          item: name,
          ...(category !== undefined && { category }),
          ...trendFigures(scores[i]!, short, expected, where),
        });
      });
    }
    const categories = this.m.categoryTrends.trending(k).map((c) => ({
      category: this.m.store.dicts.category.value(c.id)!,
      ...trendFigures(c.score, c.recent, c.expected, ''),
    }));
    const { shortHalfLifeMs, longHalfLifeMs, minTrendSupport, minTrendZ } =
      this.m.popularity.options;
    const now = this.m.popularity.now;
    return {
      streamTime: Number.isFinite(now) ? now : null,
      shortHalfLife: formatWindow(shortHalfLifeMs),
      longHalfLife: formatWindow(longHalfLifeMs),
      minSupport: minTrendSupport,
      minZ: minTrendZ,
      ...(opts.category !== undefined && { category: opts.category }),
      known: candidates !== null,
      items,
      categories,
    };
  }

  inventoryReport(item: string): InventoryReportView {
    const id = this.m.store.dicts.item.lookup(item);
    const { byLocation, ...rest } = this.m.inventory.report(id ?? 0);
    if (id === undefined) return { item, known: false, ...rest };
    return {
      item,
      known: true,
      ...rest,
      ...(byLocation !== undefined && {
        byLocation: byLocation.map((l) => ({
          location:
            l.location === 0 ? null : (this.m.store.dicts.location.value(l.location) ?? null),
          level: l.level,
        })),
      }),
    };
  }

  inventoryAlerts(opts: { type?: InventoryAlertType; limit?: number } = {}): InventoryAlertView[] {
    const { type, limit = Infinity } = opts;
    if (type !== undefined && !(INVENTORY_ALERT_TYPES as readonly string[]).includes(type)) {
      throw new AisleError(
        'AISLE_INVALID_ARGUMENT',
        `type must be one of ${INVENTORY_ALERT_TYPES.join(', ')}`,
        { field: 'type' },
      );
    }
    if (limit !== Infinity && !(Number.isInteger(limit) && limit >= 1)) {
      throw new AisleError('AISLE_INVALID_ARGUMENT', 'limit must be an integer ≥ 1', {
        field: 'limit',
      });
    }
    const out: InventoryAlertView[] = [];
    for (const a of this.m.inventory.openAlerts()) {
      if (out.length >= limit) break;
      if (type === undefined || a.type === type) out.push(this.alertView(a));
    }
    return out;
  }

  inventoryAlertCounts(): Record<InventoryAlertType, number> {
    const counts = Object.fromEntries(INVENTORY_ALERT_TYPES.map((t) => [t, 0])) as Record<
      InventoryAlertType,
      number
    >;
    for (const a of this.m.inventory.openAlerts()) counts[a.type]++;
    return counts;
  }

  drainInventoryAlerts(): InventoryAlertView[] {
    return this.m.inventory.drainAlerts().map((a) => this.alertView(a));
  }

  priceReport(item: string, opts: { stock?: number; targetDays?: number } = {}): PriceReport {
    const id = this.m.store.dicts.item.lookup(item);
    if (id === undefined)
      return { item, known: false, changes: [], elasticity: { refused: 'unknown item' } };
    const h = this.m.priceHistory;
    const out: PriceReport = {
      item,
      known: true,
      changes: h.changes(id),
      elasticity: itemElasticity(h, id),
    };
    const current = h.currentPrice(id);
    if (current !== undefined) out.currentPrice = current;
    if (opts.targetDays !== undefined) {
      const stock = opts.stock ?? this.m.inventory.report(id).level;
      out.markdown =
        stock === undefined
          ? { refused: 'no stock level known for the item: pass stock' }
          : itemMarkdown(h, id, { stock, targetDays: opts.targetDays });
    }
    return out;
  }

  audience(q: AudienceQuery): AudienceView {
    const names = {
      ...(q.item !== undefined && { item: q.item }),
      ...(q.category !== undefined && { category: q.category }),
    };
    const none = (known: boolean, note: string): AudienceView => ({
      ...names,
      known,
      audience: [],
      excluded: { recentBuyers: 0, segment: 0 },
      notes: [note],
    });
    const dicts = this.m.store.dicts;
    let targets: Uint32Array;
    if (q.item !== undefined) {
      const id = dicts.item.lookup(q.item);
      if (id === undefined) return none(false, `unknown item ${q.item}`);
      targets = Uint32Array.of(id);
    } else {
      const c = this.m.candidates(q.category);
      if (c === null || c === undefined) return none(false, `unknown category ${q.category}`);
      targets = c;
    }
    const als = this.m.als();
    if (als === null)
      return none(true, 'no factor model yet: train one (POST /v1/models/factors/train)');
    const model = als.model;
    const f = model.factors;
    // The target: the item's vector, or the mean of the category's items' vectors.
    const target = new Float64Array(f);
    let used = 0;
    for (const t of targets) {
      if (t >= model.items || !als.hasItem(t)) continue;
      const v = model.itemVector(t);
      for (let j = 0; j < f; j++) target[j]! += v[j]!;
      used++;
    }
    if (used === 0) return none(true, 'the factor model has not seen it: no shopper can be scored');
    for (let j = 0; j < f; j++) target[j]! /= used;
    const users = model.users;
    const scores = new Float64Array(users);
    const ids = new Uint32Array(Math.max(0, users - 1));
    const single = q.item !== undefined ? targets[0]! : -1;
    const members = new Set(targets);
    for (let u = 1; u < users; u++) {
      const v = model.userVector(u);
      let s = 0;
      for (let j = 0; j < f; j++) s += v[j]! * target[j]!;
      // Shoppers come back for what they bought: past orders of it add to the affinity.
      if (q.repeatWeight > 0) {
        let orders = 0;
        if (single >= 0) orders = this.m.history.purchaseStats(u, single)?.orders ?? 0;
        else {
          for (const it of this.m.history.boughtItems(u)) {
            if (members.has(it)) orders += this.m.history.purchaseStats(u, it)?.orders ?? 0;
          }
        }
        if (orders > 0) s += q.repeatWeight * Math.log1p(orders);
      }
      scores[u] = s;
      ids[u - 1] = u;
    }
    const now = this.streamTimeOr0();
    const horizon = now - q.excludeDays * 86_400_000;
    const history = this.m.history;
    const segments = q.segments === undefined ? undefined : new Set(q.segments);
    const excluded = { recentBuyers: 0, segment: 0 };
    const audience: AudienceMember[] = [];
    // Best first, widening until k pass the filters (or every scored shopper was looked at).
    let fetch = Math.min(ids.length, Math.max(4 * q.k, 64));
    let looked = 0;
    for (;;) {
      const top = topK(ids, ids.length, scores, fetch);
      for (let r = looked; r < top.items.length && audience.length < q.k; r++) {
        const u = top.items[r]!;
        let lastBought = -Infinity;
        let boughtTarget = 0;
        for (const it of q.item !== undefined ? targets : history.boughtItems(u)) {
          if (!members.has(it)) continue;
          const st = history.purchaseStats(u, it);
          if (st === undefined) continue;
          boughtTarget++;
          if (st.lastTs > lastBought) lastBought = st.lastTs;
        }
        if (lastBought >= horizon) {
          excluded.recentBuyers++;
          continue;
        }
        const seg = this.m.sales.segmentOf(u, now)?.segment;
        if (segments !== undefined && (seg === undefined || !segments.has(seg))) {
          excluded.segment++;
          continue;
        }
        const name = dicts.user.value(u) ?? String(u);
        audience.push({
          user: name,
          score: top.scores[r]!,
          ...(seg !== undefined && { segment: seg }),
          reason: this.audienceReason(u, q, targets, boughtTarget, lastBought, now),
        });
      }
      looked = top.items.length;
      if (audience.length >= q.k || fetch >= ids.length) break;
      fetch = Math.min(ids.length, fetch * 4);
    }
    const notes: string[] = [];
    if (audience.length < q.k) notes.push(`only ${audience.length} shoppers pass the filters`);
    return { ...names, known: true, audience, excluded, notes };
  }

  private audienceReason(
    u: number,
    q: AudienceQuery,
    targets: Uint32Array,
    bought: number,
    lastBought: number,
    now: number,
  ): string {
    const days = (t: number) => Math.max(0, Math.round((now - t) / 86_400_000));
    if (bought > 0) {
      return `bought ${q.item !== undefined ? 'it' : `in ${q.category}`} before, last ${days(lastBought)} days ago; due again by their tastes`;
    }
    if (q.item !== undefined) {
      const seen = this.m.history.lastSeen(u, targets[0]!);
      if (seen !== undefined) return `looked at it ${days(seen)} days ago without buying`;
      return 'shoppers with tastes like theirs buy it';
    }
    return `shoppers with tastes like theirs buy in ${q.category}`;
  }

  elasticities(o: { demand?: 'units' | 'lines'; pooled?: boolean }): ElasticitiesView {
    const h = this.m.priceHistory;
    const demand = o.demand ?? 'units';
    const rows: ElasticitiesView['items'] = [];
    const inputs: {
      item: string;
      group: string | undefined;
      own: { elasticity: number; se: number } | null;
    }[] = [];
    for (const id of h.items()) {
      const item = this.m.store.dicts.item.value(id);
      if (item === undefined) continue;
      const own = itemElasticity(h, id, { demand });
      const category = this.m.catalogue.get(item)?.category;
      rows.push({ item, ...(category !== undefined && { category }), own });
      if (o.pooled === true) {
        // Pooled, an estimate counts whatever its width: a wide one only weighs little.
        const raw = isRefusal(own) ? itemElasticity(h, id, { demand, maxCiWidth: Infinity }) : own;
        inputs.push({
          item,
          group: category,
          own: isRefusal(raw) ? null : { elasticity: raw.elasticity, se: raw.se },
        });
      }
    }
    if (o.pooled !== true) return { demand, items: rows };
    const pooled = poolElasticities(inputs);
    const byItem = new Map(pooled.items.map((p) => [p.item, p]));
    for (const r of rows) {
      const p = byItem.get(r.item);
      if (p !== undefined) r.pooled = p;
    }
    return { demand, items: rows, groups: pooled.groups };
  }

  /**
   * The pooled fit of a category's own estimates (or the shop's, for an item without a category
   * or one with fewer than 5 estimates), recomputed once per period of the price history.
   * Bounded: one entry per category and demand measure, cleared past MAX_FITS, and counted in
   * the memory report (`cacheBytes`); each fit reads at most POOL_SAMPLE items.
   */
  private groupFit(category: string | undefined, demand: 'units' | 'lines'): GroupFit | null {
    const h = this.m.priceHistory;
    const period = h.latestPeriod ?? -1;
    const key = `${demand}|${category ?? '*'}`;
    const hit = this.fits.get(key);
    if (hit !== undefined && hit.period === period) return hit.fit;
    // A fit runs on a request's path: past POOL_SAMPLE items it reads an even sample of them,
    // which pins a mean and a spread as well as all of them would, at a bounded cost.
    const estimates = (ids: ArrayLike<number>) => {
      const out: { elasticity: number; se: number }[] = [];
      const step = Math.max(1, ids.length / POOL_SAMPLE);
      for (let at = 0; at < ids.length; at += step) {
        const r = itemElasticity(h, ids[Math.floor(at)]!, { demand, maxCiWidth: Infinity });
        if (!isRefusal(r)) out.push(r);
      }
      return out;
    };
    const members = category === undefined ? undefined : this.m.candidates(category);
    let fit: GroupFit | null = null;
    if (members !== undefined && members !== null) {
      const own = estimates(members);
      if (own.length >= 5) fit = fitGroup(category!, own);
    }
    fit ??=
      category === undefined
        ? fitGroup('*', estimates(h.items()))
        : this.groupFit(undefined, demand);
    if (this.fits.size >= MAX_FITS) this.fits.clear();
    this.fits.set(key, { period, fit });
    return fit;
  }

  /** The category an item was first seen with, by name. */
  private categoryNameOf(id: number): string | undefined {
    const c = this.m.categories.categoryOf(id);
    return c === 0 ? undefined : this.m.store.dicts.category.value(c);
  }

  priceRecommendation(item: string, o: PriceRecommendationOptions): PriceRecommendationView {
    const id = this.m.store.dicts.item.lookup(item);
    if (id === undefined) return { item, known: false, refused: 'unknown item' };
    const h = this.m.priceHistory;
    const price = h.currentPrice(id);
    if (price === undefined) return { item, known: true, refused: 'no price known for the item' };
    const entry = this.m.catalogue.get(item);
    const listed = entry?.cost;
    const category = entry?.category ?? this.categoryNameOf(id);
    // A margin from the request, else the item's category's, else the shop's default ('*').
    const margin =
      o.margin ??
      (category !== undefined && Object.hasOwn(this.m.margins, category)
        ? this.m.margins[category]
        : Object.hasOwn(this.m.margins, '*')
          ? this.m.margins['*']
          : undefined);
    const [cost, costFrom] =
      o.cost !== undefined
        ? [o.cost, 'request' as const]
        : listed !== undefined
          ? [listed, 'catalogue' as const]
          : margin !== undefined
            ? [price * (1 - margin), 'margin' as const]
            : [undefined, undefined];
    if (cost === undefined) {
      return {
        item,
        known: true,
        refused:
          'no cost known for the item: give the catalogue a cost, pass cost or margin, or set ' +
          'pricing.margins for its category',
      };
    }
    const demand = o.demand ?? 'units';
    const elasticity = itemElasticity(h, id, { demand });
    let used: { elasticity: number; se: number; df: number; observed: [number, number] };
    let pooled: PooledElasticity | undefined;
    if (!isRefusal(elasticity)) {
      used = { ...elasticity, observed: elasticity.priceRange };
    } else {
      const fit = o.pooled === false ? null : this.groupFit(category, demand);
      if (fit === null) {
        return { item, known: true, refused: `no elasticity: ${elasticity.refused}`, elasticity };
      }
      // Its own data, however wide their interval, still count for what they weigh.
      const raw = itemElasticity(h, id, { demand, maxCiWidth: Infinity });
      pooled = pooledFor(item, isRefusal(raw) ? null : raw, fit);
      let lo = Infinity;
      let hi = -Infinity;
      for (const p of h.periods(id)) {
        if (p.price === undefined) continue;
        lo = Math.min(lo, p.price);
        hi = Math.max(hi, p.price);
      }
      used = {
        elasticity: pooled.elasticity,
        se: pooled.se,
        df: Math.max(1, fit.items - 1),
        observed: lo <= hi ? [lo, hi] : [price, price],
      };
    }
    const pace = h.velocity(id, o.lookback ?? 14);
    if (pace === undefined) {
      return { item, known: true, refused: 'no open period to measure the pace of sales over' };
    }
    const constraints: Partial<PriceConstraints> = {};
    if (o.minMargin !== undefined) constraints.minMargin = o.minMargin;
    if (o.maxChange !== undefined) constraints.maxChange = o.maxChange;
    if (o.beyondObserved !== undefined) constraints.beyondObserved = o.beyondObserved;
    if (o.ending !== undefined) constraints.ending = o.ending;
    let ceiling: number | undefined;
    if (o.targetDays !== undefined) {
      const stock = o.stock ?? this.m.inventory.report(id).level;
      if (stock === undefined) {
        return { item, known: true, refused: 'no stock level known for the item: pass stock' };
      }
      const md = itemMarkdown(
        h,
        id,
        { stock, targetDays: o.targetDays },
        { elasticity: { demand: o.demand ?? 'units' } },
      );
      if (!isRefusal(md) && md.discount > 0) ceiling = md.price;
    }
    const r = recommendPrice({
      ...(ceiling !== undefined && { ceiling }),
      price,
      demand: pace.unitsPerDay,
      cost,
      elasticity: used.elasticity,
      se: used.se,
      df: used.df,
      observed: used.observed,
      constraints,
      ...(o.objective !== undefined && { objective: o.objective }),
      ...(o.caution !== undefined && { caution: o.caution }),
    });
    return {
      item,
      known: true,
      cost,
      costFrom,
      elasticity,
      ...(pooled !== undefined && { pooled }),
      ...r,
    };
  }

  funnel(q: { window: string; step?: string; item?: string; category?: string }): FunnelView {
    const at = this.streamTimeOr0();
    const item = q.item === undefined ? undefined : this.m.store.dicts.item.lookup(q.item);
    const category =
      q.category === undefined ? undefined : this.m.store.dicts.category.lookup(q.category);
    const known =
      (q.item === undefined || item !== undefined) &&
      (q.category === undefined || category !== undefined);
    const query = {
      window: q.window,
      ...(item !== undefined && { item }),
      ...(category !== undefined && { category }),
    };
    // An unknown key still gets its window checked and reported, with nothing counted.
    const r = this.m.funnels.funnel(known ? query : { window: q.window }, at);
    const counts = known
      ? r
      : {
          ...r,
          views: 0,
          carts: 0,
          purchases: 0,
          viewToCart: null,
          cartToPurchase: null,
          viewToPurchase: null,
          users: null,
        };
    let series: { step: number; points: FunnelPoint[] } | undefined;
    if (q.step !== undefined) {
      const s = this.m.funnels.series(
        { ...(known ? query : { window: q.window }), step: q.step },
        at,
      );
      series = {
        step: s.step,
        points: known
          ? s.points
          : s.points.map((p) => ({ ...p, views: 0, carts: 0, purchases: 0 })),
      };
    }
    return {
      ...counts,
      known,
      ...(q.item !== undefined && { item: q.item }),
      ...(q.category !== undefined && { category: q.category }),
      ...series,
    };
  }

  anomalies(): { active: AnomalyView[]; recent: AnomalyView[] } {
    const { active, recent } = this.m.anomalies.anomalies();
    return {
      active: active.map((a) => this.anomalyView(a)),
      recent: recent.map((a) => this.anomalyView(a)),
    };
  }

  drainAnomalyAlerts(): AnomalyView[] {
    return this.m.anomalies.drainAlerts().map((a) => this.anomalyView(a));
  }

  segments(opts: { fresh?: boolean } = {}): SegmentsView {
    return this.m.sales.segments(this.streamTimeOr0(), opts.fresh === true);
  }

  customerSegment(user: string): CustomerSegmentView {
    const id = this.m.store.dicts.user.lookup(user);
    const seg = id === undefined ? undefined : this.m.sales.segmentOf(id, this.streamTimeOr0());
    if (seg === undefined) return { user, known: false };
    return { ...seg, user, known: true };
  }

  basketStats(): BasketStats {
    return this.m.sales.basketStats();
  }

  /** `limit` is already checked by the facet. */
  userHistory(user: string, limit: number): UserHistoryView {
    const id = this.m.store.dicts.user.lookup(user);
    if (id === undefined) return { user, known: false, items: [] };
    const r = this.m.history.recent(id, limit);
    const items: UserHistoryEntry[] = [];
    for (let k = 0; k < r.items.length; k++) {
      items.push({
        item: this.m.store.dicts.item.value(r.items[k]!) ?? String(r.items[k]),
        lastSeen: r.lastSeen[k]!,
        strength: r.strengths[k]!,
        bought: r.bought[k] === 1,
      });
    }
    return { user, known: true, items };
  }

  ordersOf(item: string): number {
    const id = this.m.store.dicts.item.lookup(item);
    return id === undefined ? 0 : this.m.alsoBought.occurrencesOf(id);
  }

  pairStats(item: string, other: string): PairStats | null {
    const a = this.m.store.dicts.item.lookup(item);
    const b = this.m.store.dicts.item.lookup(other);
    return a === undefined || b === undefined ? null : this.m.alsoBought.association(a, b);
  }

  revenue(q: { window: string; step?: string; item?: string; category?: string }): RevenueView {
    if (q.item !== undefined && q.category !== undefined) {
      throw new AisleError('AISLE_INVALID_ARGUMENT', 'give an item or a category, not both', {
        field: 'category',
      });
    }
    const item = q.item === undefined ? undefined : this.m.store.dicts.item.lookup(q.item);
    const category =
      q.category === undefined ? undefined : this.m.store.dicts.category.lookup(q.category);
    const known =
      (q.item === undefined || item !== undefined) &&
      (q.category === undefined || category !== undefined);
    const key = {
      // An unknown key is asked as an id no event carries, so its window is still checked.
      ...(q.item !== undefined && { item: item ?? 0x7fffffff }),
      ...(q.category !== undefined && { category: category ?? 0x7fffffff }),
    };
    const now = this.streamTimeOr0();
    const names = {
      known,
      ...(q.item !== undefined && { item: q.item }),
      ...(q.category !== undefined && { category: q.category }),
    };
    if (q.step !== undefined) {
      return {
        ...this.m.sales.revenueSeries({ window: q.window, step: q.step, ...key }, now),
        ...names,
      };
    }
    return { ...this.m.sales.revenueIn({ window: q.window, ...key }, now), ...names };
  }

  groupBy(q: GroupByQuery): GroupByView {
    if (q.window !== undefined && (q.from !== undefined || q.to !== undefined)) {
      throw new AisleError('AISLE_INVALID_ARGUMENT', 'window: give a window or from/to, not both', {
        field: 'window',
      });
    }
    let from = q.from ?? -Infinity;
    let to = q.to ?? Infinity;
    if (q.window !== undefined) {
      const newest = this.m.store.newestTs;
      to = Number.isFinite(newest) ? newest + 1 : 0;
      from = to - parseWindow(q.window, 'window');
    }
    const rows = groupByWindow(this.m.store, this.m.kernels, {
      by: q.by,
      from,
      to,
      ...(q.types !== undefined && { types: q.types }),
      ...(q.top !== undefined && { top: q.top }),
      ...(q.by === 'category' && {
        categoryOf: this.m.categories.table(this.m.store.dicts.item.size + 1),
      }),
    });
    return {
      by: q.by,
      from: Number.isFinite(from) ? from : null,
      to: Number.isFinite(to) ? to : null,
      rows,
    };
  }

  /** Stream time (newest weighted event), 0 before any. */
  private streamTimeOr0(): number {
    const now = this.m.popularity.now;
    return Number.isFinite(now) ? now : 0;
  }

  private anomalyView(a: AnomalyAlert): AnomalyView {
    const { category, ...rest } = a;
    return category === 0
      ? { ...rest, category: null }
      : { ...rest, category: this.m.store.dicts.category.value(category) ?? String(category) };
  }

  private alertView(a: InventoryAlert): InventoryAlertView {
    return { ...a, item: this.m.store.dicts.item.value(a.item) ?? String(a.item) };
  }
}

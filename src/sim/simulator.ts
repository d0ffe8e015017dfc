/**
 * The simulator: a deterministic, seeded stream of retail events over a generated shop.
 *
 * The stream is a pure function of the options: it is produced one step at a time and
 * `next(n)` only cuts it into batches, so `next(a)` then `next(b)` equals `next(a + b)`.
 * Separate PRNG streams build the catalogue, the shoppers, the stock and the traffic, so e.g.
 * more users do not reshuffle the catalogue.
 */
import type { CatalogueItem } from '../../engine/catalogue.js';
import {
  EVENT_TYPES,
  EVENT_TYPE_CODE,
  type EventType,
  type PriceChangeEvent,
  type RetailEvent,
} from '../../engine/events.js';
import { buildCatalogue, roundPrice, type SimCatalogue } from './catalogue.js';
import { resolveOptions, type ResolvedSimulatorOptions, type SimulatorOptions } from './options.js';
import { Rng } from './random.js';
import { Session, SessionRunner } from './session.js';
import { buildShoppers, type SimShoppers } from './shoppers.js';
import { StockBook } from './stock.js';

/**
 * Counts so far. `events` and `byType` count events returned by `next`; the other counters
 * count what the generator has produced, which can run a few events ahead when a checkout's
 * lines straddle two `next` calls.
 */
export interface SimulatorStats {
  /** Events returned by `next` so far. */
  events: number;
  /** Events returned by `next` so far, per type. */
  byType: Record<EventType, number>;
  /** Sessions opened (including those still browsing). */
  sessions: number;
  /** Orders placed (an order is one or more purchase events sharing `order`). */
  orders: number;
  /** Order lines cut short because the item was (partly) out of stock. */
  stockouts: number;
  /** `receive` events from replenishment runs. */
  restocks: number;
}

/** A deterministic retail event stream and the ground truth behind it. */
export interface Simulator {
  /** The options in force, defaults filled in. */
  readonly options: Readonly<ResolvedSimulatorOptions>;
  /** The assortment with current prices (fresh objects on every call; O(items)). */
  catalogue(): CatalogueItem[];
  /**
   * The next `n` events of the stream, in non-decreasing `ts`. The stream opens with an
   * inventory `set` for every item at `startTs`.
   */
  next(n: number): RetailEvent[];
  /** Ground truth: the item's complementary items ([] for an unknown item). */
  complementsOf(item: string): string[];
  /** Ground truth: a user's favourite categories, strongest first ([] for an unknown user). */
  tastesOf(user: string): string[];
  /** Units of the item on hand in the simulator's bookkeeping (0 for an unknown item). */
  stockOf(item: string): number;
  /** Counts so far (a fresh object). */
  stats(): SimulatorStats;
  /** Current simulated time, epoch ms: the `ts` of the latest event (`startTs` before any). */
  now(): number;
}

const DAY_MS = 86_400_000;
/** Traffic peaks in the evening. */
const PEAK_MS = 20 * 3_600_000;
/** Rough shape of a session, for sizing stock to demand: events per session and units per order. */
const EVENTS_PER_SESSION_EXTRA = 1.5;
const UNITS_PER_ORDER = 1.8;

function indexOf(id: string, prefix: string, count: number): number {
  if (!id.startsWith(prefix)) return -1;
  const digits = id.slice(prefix.length);
  if (!/^(0|[1-9]\d*)$/.test(digits)) return -1;
  const n = Number(digits);
  return n < count ? n : -1;
}

class SimulatorImpl implements Simulator {
  readonly options: Readonly<ResolvedSimulatorOptions>;
  private readonly shop: SimCatalogue;
  private readonly shoppers: SimShoppers;
  private readonly stock: StockBook;
  private readonly prices: Float64Array;
  private readonly traffic: Rng;
  private readonly runner: SessionRunner;
  private readonly live: Session[] = [];
  private readonly counts = new Float64Array(EVENT_TYPES.length);
  private clock: number;
  private nextRestock: number;
  private snapshotted = 0;
  private restocks = 0;
  /** Events produced by a step beyond what the last `next` asked for. */
  private carry: RetailEvent[] = [];

  constructor(options: SimulatorOptions) {
    const o = resolveOptions(options);
    this.options = Object.freeze(o);
    this.shop = buildCatalogue(new Rng(o.seed, 1), o);
    this.shoppers = buildShoppers(new Rng(o.seed, 2), this.shop, o.users);
    const eventsPerHour = o.meanGapMs > 0 ? 3_600_000 / o.meanGapMs : 3_600_000;
    const unitsPerHour =
      (eventsPerHour * o.purchaseRate * UNITS_PER_ORDER) / (o.meanViews + EVENTS_PER_SESSION_EXTRA);
    this.stock = new StockBook(this.shop, new Rng(o.seed, 3), unitsPerHour, o.stockCoverHours);
    this.prices = Float64Array.from(this.shop.listPrice);
    this.traffic = new Rng(o.seed, 4);
    this.runner = new SessionRunner(
      this.traffic,
      this.shop,
      this.shoppers,
      this.stock,
      this.prices,
      o,
    );
    for (let k = 0; k < o.concurrentSessions; k++) this.live.push(this.runner.open());
    this.clock = o.startTs;
    this.nextRestock = o.startTs + o.restockEvery;
  }

  next(n: number): RetailEvent[] {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('next(n) needs an integer n >= 0');
    let out: RetailEvent[];
    if (this.carry.length > 0) {
      out = this.carry;
      this.carry = [];
    } else {
      out = [];
    }
    while (out.length < n) this.step(out);
    if (out.length > n) this.carry = out.splice(n);
    const counts = this.counts;
    for (let i = 0; i < out.length; i++) counts[EVENT_TYPE_CODE[out[i]!.type]]! += 1;
    return out;
  }

  /** Produces the stream's next one or more events. */
  private step(out: RetailEvent[]): void {
    const o = this.options;
    if (this.snapshotted < this.shop.itemIds.length) {
      out.push(this.stock.initial(this.snapshotted++, o.startTs));
      return;
    }
    this.advance();
    const ts = Math.floor(this.clock);
    if (this.clock >= this.nextRestock) {
      this.restocks += this.stock.replenish(ts, out);
      const periods = Math.floor((this.clock - o.startTs) / o.restockEvery) + 1;
      this.nextRestock = o.startTs + periods * o.restockEvery;
    }
    const rng = this.traffic;
    const r = rng.next();
    if (r < o.priceChangeRate) {
      out.push(this.priceChange(ts));
      return;
    }
    if (r < o.priceChangeRate + o.adjustRate) {
      const item = rng.int(this.shop.itemIds.length);
      const event = this.stock.adjust(rng, item, ts, o.stores);
      if (event !== undefined) {
        out.push(event);
        return;
      }
    }
    const slot = rng.int(this.live.length);
    const before = out.length;
    if (!this.runner.turn(this.live[slot]!, ts, out)) {
      const fresh = this.runner.open();
      this.live[slot] = fresh;
      // A session that ended quietly gives its turn to its successor's opening move.
      if (out.length === before) this.runner.turn(fresh, ts, out);
    }
  }

  /** Moves simulated time by one exponential gap, shorter at the evening peak. */
  private advance(): void {
    const o = this.options;
    if (o.meanGapMs === 0) return;
    const phase = (((this.clock - PEAK_MS) % DAY_MS) / DAY_MS) * 2 * Math.PI;
    const rate = 1 + o.diurnal * Math.cos(phase);
    this.clock += this.traffic.exponential(o.meanGapMs) / rate;
  }

  private priceChange(ts: number): PriceChangeEvent {
    const rng = this.traffic;
    const item = rng.int(this.shop.itemIds.length);
    const list = this.shop.listPrice[item]!;
    let factor = 1;
    // A promotion ends (back to list) or starts (mostly discounts, sometimes a rise).
    if (this.prices[item] === list || rng.chance(0.5)) {
      factor = rng.chance(0.7) ? 1 - (0.05 + 0.25 * rng.next()) : 1 + (0.03 + 0.12 * rng.next());
    }
    const price = roundPrice(list * factor);
    this.prices[item] = price;
    const category = this.shop.categories[this.shop.categoryOf[item]!]!.id;
    return { type: 'price_change', ts, item: this.shop.itemIds[item]!, price, category };
  }

  catalogue(): CatalogueItem[] {
    const { shop } = this;
    return shop.itemIds.map((id, i) => {
      const category = shop.categories[shop.categoryOf[i]!]!;
      const ratio = shop.listPrice[i]! / category.medianPrice;
      const tier = ratio < 0.75 ? 'budget' : ratio > 1.4 ? 'premium' : 'standard';
      return {
        id,
        category: category.id,
        price: this.prices[i]!,
        attributes: { brand: shop.brands[shop.brandOf[i]!]!, tier },
      };
    });
  }

  complementsOf(item: string): string[] {
    const i = indexOf(item, 'sku-', this.shop.itemIds.length);
    if (i < 0) return [];
    return Array.from(this.shop.complements[i]!, (c) => this.shop.itemIds[c]!);
  }

  tastesOf(user: string): string[] {
    const u = indexOf(user, 'u-', this.shoppers.userIds.length);
    if (u < 0) return [];
    const out: string[] = [];
    for (let k = 0; k < this.shoppers.tasteCount[u]!; k++) {
      out.push(this.shop.categories[this.shoppers.tastes[u * 3 + k]!]!.id);
    }
    return out;
  }

  stockOf(item: string): number {
    const i = indexOf(item, 'sku-', this.shop.itemIds.length);
    return i < 0 ? 0 : this.stock.level[i]!;
  }

  stats(): SimulatorStats {
    const byType = {} as Record<EventType, number>;
    let events = 0;
    for (const type of EVENT_TYPES) {
      byType[type] = this.counts[EVENT_TYPE_CODE[type]]!;
      events += byType[type];
    }
    const { sessions, orders, stockouts } = this.runner.counters;
    return { events, byType, sessions, orders, stockouts, restocks: this.restocks };
  }

  now(): number {
    return Math.floor(this.clock);
  }
}

/**
 * Creates a simulator. Building the shop is O(items + users); each event is O(1) amortised.
 * @throws AisleError AISLE_INVALID_ARGUMENT for an out-of-range option
 */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  return new SimulatorImpl(options);
}

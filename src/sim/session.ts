/**
 * One shopping session's behaviour: search, browse around similar and complementary items,
 * maybe fill a cart, and maybe check out.
 *
 * Intent is decided when the session opens (does it add to cart? does it buy?), which is what
 * makes the cart and purchase rates land on the configured fractions of sessions; the browsing
 * path is then drawn turn by turn, one event per turn (a checkout emits one line per item).
 */
import type { RetailEvent } from '../../engine/events.js';
import type { SimCatalogue } from './catalogue.js';
import { cartEvent, purchaseEvent, searchEvent, viewEvent, type Actor } from './emit.js';
import type { ResolvedSimulatorOptions } from './options.js';
import type { Rng } from './random.js';
import { tasteOf, type SimShoppers } from './shoppers.js';
import type { StockBook } from './stock.js';
import { MODIFIERS } from './vocabulary.js';

/** Chance that a browsing step jumps to a complement of the current item unprompted. */
const COMPLEMENT_BROWSE = 0.1;
/** Of the remaining steps: stay in the category, go to a favourite category, or wander. */
const SAME_CATEGORY = 0.7;
const FAVOURITE_CATEGORY = 0.9;
/** Chance a session searches again after a view. */
const RESEARCH = 0.04;
/** Chance per turn that a cart session takes something back out. */
const REMOVE_PER_TURN = 0.04;
/** Chance that a cart session adds an arbitrary (non-complement) viewed item too. */
const EXTRA_ADD = 0.08;

/** Mutable state of one live session. */
export class Session implements Actor {
  /** Item viewed last, -1 before the first view. */
  item = -1;
  /** Category (and brand, or -1) the last search asked for; the next view honours it. */
  focusCategory = -1;
  focusBrand = -1;
  wantsSearch: boolean;
  viewsDone = 0;
  /** Item just added, whose complements the next view is drawn towards; -1 when none. */
  pull = -1;
  /** Item to add to the cart on the next turn; -1 when none. */
  pendingAdd = -1;
  readonly cart: number[] = [];
  readonly quantities: number[] = [];

  constructor(
    readonly id: string,
    readonly user: string | undefined,
    /** User whose tastes steer the session (also for anonymous visitors). */
    readonly taster: number,
    public viewsLeft: number,
    /** Index of the view whose item goes into the cart; -1 for a session that never adds. */
    readonly addAtView: number,
    readonly buys: boolean,
    wantsSearch: boolean,
  ) {
    this.wantsSearch = wantsSearch;
  }
}

/** Counters a runner keeps for the simulator's stats. */
export interface SessionCounters {
  sessions: number;
  orders: number;
  /** Order lines cut short because the shelf held fewer units than the cart. */
  stockouts: number;
}

/** Opens sessions and plays their turns against a shared shop. */
export class SessionRunner {
  readonly counters: SessionCounters = { sessions: 0, orders: 0, stockouts: 0 };
  private readonly categoryIds: string[];
  private readonly buyGivenCart: number;

  constructor(
    private readonly rng: Rng,
    private readonly catalogue: SimCatalogue,
    private readonly shoppers: SimShoppers,
    private readonly stock: StockBook,
    /** Current unit prices, updated by price changes. */
    private readonly prices: Float64Array,
    private readonly o: ResolvedSimulatorOptions,
  ) {
    this.categoryIds = catalogue.categories.map((c) => c.id);
    this.buyGivenCart = o.cartRate > 0 ? o.purchaseRate / o.cartRate : 0;
  }

  /** Starts a new session of a user drawn by activity. */
  open(): Session {
    const { rng, o } = this;
    const taster = this.shoppers.activity.sample(rng);
    const user = rng.chance(o.anonymousRate) ? undefined : this.shoppers.userIds[taster];
    let views = rng.geometric(o.meanViews);
    const carts = rng.chance(o.cartRate);
    const buys = carts && rng.chance(this.buyGivenCart);
    // Shoppers who end up buying browse a little longer on average.
    if (carts) views += rng.int(3);
    const addAt = carts ? rng.int(views) : -1;
    const id = `s-${this.counters.sessions++}`;
    return new Session(id, user, taster, views, addAt, buys, rng.chance(o.searchRate));
  }

  /**
   * Plays one turn, appending its events to `out` (none only when the session ends quietly).
   * @returns false when the session is over and should be replaced
   */
  turn(s: Session, ts: number, out: RetailEvent[]): boolean {
    const { rng } = this;
    if (s.pendingAdd >= 0) {
      const item = s.pendingAdd;
      s.pendingAdd = -1;
      const quantity = rng.chance(0.85) ? 1 : rng.chance(0.7) ? 2 : 3;
      s.cart.push(item);
      s.quantities.push(quantity);
      s.pull = item;
      // Room to look at what goes with it.
      s.viewsLeft += rng.geometric(2);
      out.push(cartEvent('add_to_cart', s, ts, this.categoryOf(item), this.id(item), quantity));
      return true;
    }
    if (s.cart.length > (s.buys ? 1 : 0) && rng.chance(REMOVE_PER_TURN)) {
      const k = rng.int(s.cart.length);
      const item = s.cart[k]!;
      const quantity = s.quantities[k]!;
      s.cart.splice(k, 1);
      s.quantities.splice(k, 1);
      out.push(
        cartEvent('remove_from_cart', s, ts, this.categoryOf(item), this.id(item), quantity),
      );
      return true;
    }
    if (s.wantsSearch) {
      s.wantsSearch = false;
      out.push(searchEvent(s, ts, this.search(s)));
      return true;
    }
    if (s.viewsLeft <= 0) {
      if (s.buys && s.cart.length > 0) this.checkout(s, ts, out);
      return false;
    }
    const item = this.nextItem(s, ts);
    s.item = item;
    s.viewsLeft--;
    out.push(viewEvent(s, ts, this.categoryOf(item), this.id(item)));
    this.considerCart(s, item);
    s.viewsDone++;
    if (s.viewsLeft > 0 && rng.chance(RESEARCH)) s.wantsSearch = true;
    return true;
  }

  private considerCart(s: Session, item: number): void {
    if (s.addAtView < 0 || s.cart.includes(item)) return;
    if (s.viewsDone === s.addAtView) {
      s.pendingAdd = item;
      return;
    }
    if (s.cart.length === 0) return;
    const { rng, catalogue } = this;
    let complementsCart = false;
    for (const c of s.cart) complementsCart ||= catalogue.complements[c]!.includes(item);
    if (complementsCart ? rng.chance(this.o.complementCartRate) : rng.chance(EXTRA_ADD)) {
      s.pendingAdd = item;
    }
  }

  private nextItem(s: Session, ts: number): number {
    const { rng, catalogue } = this;
    // Checked first and only when fads are on, so that without them no draw is added and the
    // stream stays the one it always was.
    if (s.item < 0 && this.o.fadShare > 0 && rng.chance(this.o.fadShare)) return this.fadAt(ts);
    if (s.focusCategory >= 0) {
      const item = this.inCategory(s.focusCategory, s.focusBrand);
      s.focusCategory = -1;
      s.focusBrand = -1;
      return item;
    }
    if (s.item < 0) return this.popular(this.favouriteOrAny(s));
    const anchor = s.pull >= 0 ? s.pull : s.item;
    const toComplement = s.pull >= 0 ? this.o.complementPull : COMPLEMENT_BROWSE;
    s.pull = -1;
    if (rng.chance(toComplement)) {
      const comps = catalogue.complements[anchor]!;
      return comps[rng.int(comps.length)]!;
    }
    const r = rng.next();
    if (r < SAME_CATEGORY) {
      const category = catalogue.categoryOf[s.item]!;
      const item = this.popular(category);
      // Looking at the same item twice in a row is rare; one redraw keeps it rare.
      return item === s.item ? this.popular(category) : item;
    }
    if (r < FAVOURITE_CATEGORY) return this.popular(tasteOf(this.shoppers, s.taster, rng));
    return this.popular(catalogue.categoryTraffic.sample(rng));
  }

  /**
   * The fad item at `ts`: a hash of the fad's number since the start, so it depends on time
   * alone (not on the draws so far) and each fad falls on an arbitrary, mostly long-tail item.
   */
  private fadAt(ts: number): number {
    const n = Math.floor((ts - this.o.startTs) / this.o.fadEvery);
    let x = (Math.imul(n + 1, 0x9e3779b1) ^ this.o.seed) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
    x = (x ^ (x >>> 13)) >>> 0;
    return x % this.catalogue.itemIds.length;
  }

  private search(s: Session): string {
    const { rng, catalogue } = this;
    const category = catalogue.categories[this.favouriteOrAny(s)]!;
    s.focusCategory = category.index;
    s.focusBrand = -1;
    let query = category.word;
    if (rng.chance(0.4)) {
      s.focusBrand = category.brands[rng.int(category.brands.length)]!;
      query = `${catalogue.brands[s.focusBrand]} ${query}`;
    }
    if (rng.chance(0.25)) query = `${rng.pick(MODIFIERS)} ${query}`;
    return query;
  }

  private checkout(s: Session, ts: number, out: RetailEvent[]): void {
    let order: string | undefined;
    for (let k = 0; k < s.cart.length; k++) {
      const item = s.cart[k]!;
      const wanted = s.quantities[k]!;
      const got = this.stock.take(item, wanted);
      if (got < wanted) this.counters.stockouts++;
      if (got === 0) continue;
      order ??= `o-${this.counters.orders++}`;
      const price = this.prices[item]!;
      out.push(purchaseEvent(s, ts, this.categoryOf(item), this.id(item), order, got, price));
    }
  }

  /** Favourite category most of the time, otherwise wherever the shop's traffic goes. */
  private favouriteOrAny(s: Session): number {
    const { rng } = this;
    return rng.chance(0.85)
      ? tasteOf(this.shoppers, s.taster, rng)
      : this.catalogue.categoryTraffic.sample(rng);
  }

  private popular(category: number): number {
    const c = this.catalogue.categories[category]!;
    return c.items[c.popularity.sample(this.rng)]!;
  }

  /** A popular item of the category, of the given brand when a few draws find one. */
  private inCategory(category: number, brand: number): number {
    let item = this.popular(category);
    for (
      let tries = 0;
      brand >= 0 && this.catalogue.brandOf[item] !== brand && tries < 8;
      tries++
    ) {
      item = this.popular(category);
    }
    return item;
  }

  private id(item: number): string {
    return this.catalogue.itemIds[item]!;
  }

  private categoryOf(item: number): string {
    return this.categoryIds[this.catalogue.categoryOf[item]!]!;
  }
}

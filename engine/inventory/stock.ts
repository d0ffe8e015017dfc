/**
 * Stock levels from the event stream: per item, and per (item, location).
 *
 * Every inventory event applies to one bucket, (item, location), location 0 being the unlocated
 * count: `set` replaces that bucket, `receive` and `adjust` add to it. An item's level is the
 * sum of its buckets. Purchases name no location, so they draw from the unlocated bucket; they
 * may take it, and the level, below zero: a negative level is units sold that the inventory feed
 * did not know about, and the next receive pays them back first (clamping would forget them).
 * Those units are counted as oversold.
 *
 * An item is unknown until its first inventory event. Purchases of an unknown item change
 * nothing, so a shop without an inventory feed never shows every bought item as negative. Unknown
 * counts as in stock: most catalogues start without a feed (the Online Retail set has none), and
 * treating "no information" as "sold out" would empty every filtered ranking.
 *
 * Quantities are integers, so the f64 sums here are exact.
 */
import { EVENT_TYPE_CODE, INVENTORY_OP_CODE } from '../events.js';
import { allBelow, expectState, isArrayOf } from '../snapshot/check.js';
import type { EncodedBatch } from '../store/index.js';

/**
 * A snapshot of the levels: per-item arrays by item id, then the located buckets in the order
 * they were first seen (which is the order `locationsOf` lists them in).
 */
export interface StockState {
  /** 1 once the item had an inventory event. */
  known: Uint8Array;
  /** The unlocated bucket (location 0) of each item. */
  unlocated: Float64Array;
  /** Units sold below zero, per item. */
  oversold: Float64Array;
  locItems: Uint32Array;
  /** Location ids, never 0. */
  locIds: Uint32Array;
  locLevels: Float64Array;
}

const INVENTORY = EVENT_TYPE_CODE.inventory;
const PURCHASE = EVENT_TYPE_CODE.purchase;
const SET = INVENTORY_OP_CODE.set;
const RECEIVE = INVENTORY_OP_CODE.receive;
const ADJUST = INVENTORY_OP_CODE.adjust;
const NONE = 0xffffffff;

export class Stock {
  private known = new Uint8Array(0);
  private unlocated = new Float64Array(0);
  /** Sum of each item's located buckets, so a level is one add. */
  private located = new Float64Array(0);
  private over = new Float64Array(0);
  private knownItems = 0;

  // Located buckets: dense arrays, an open-addressing index on (item, location), and per item a
  // linked list (head, next) in first-seen order for `locationsOf`.
  private buckets = 0;
  private bItem = new Uint32Array(16);
  private bLoc = new Uint32Array(16);
  private bLevel = new Float64Array(16);
  private bNext = new Uint32Array(16);
  private head = new Uint32Array(0);
  private tail = new Uint32Array(0);
  private table = new Uint32Array(64).fill(NONE);

  /** Restores levels from `exportState`. Throws AisleError('AISLE_SNAPSHOT') when malformed. */
  static fromState(state: StockState): Stock {
    const n = state.known?.length ?? 0;
    const m = state.locItems?.length ?? 0;
    expectState(
      isArrayOf(state.known, Uint8Array) &&
        isArrayOf(state.unlocated, Float64Array, n) &&
        isArrayOf(state.oversold, Float64Array, n) &&
        allBelow(state.known, 2),
      'stock: item arrays',
    );
    expectState(
      isArrayOf(state.locItems, Uint32Array) &&
        isArrayOf(state.locIds, Uint32Array, m) &&
        isArrayOf(state.locLevels, Float64Array, m) &&
        allBelow(state.locItems, n),
      'stock: location arrays',
    );
    const out = new Stock();
    out.ensureItem(n - 1);
    for (let i = 0; i < n; i++) {
      const known = state.known[i] === 1;
      expectState(
        Number.isSafeInteger(state.unlocated[i]!) &&
          Number.isSafeInteger(state.oversold[i]!) &&
          state.oversold[i]! >= 0 &&
          (known || (state.unlocated[i] === 0 && state.oversold[i] === 0)),
        'stock: levels',
      );
      out.known[i] = state.known[i]!;
      if (known) out.knownItems++;
    }
    out.unlocated.set(state.unlocated);
    out.over.set(state.oversold);
    for (let j = 0; j < m; j++) {
      const item = state.locItems[j]!;
      const loc = state.locIds[j]!;
      const level = state.locLevels[j]!;
      expectState(
        loc !== 0 && state.known[item] === 1 && Number.isSafeInteger(level),
        'stock: located bucket',
      );
      expectState(out.bucket(item, loc) < 0, 'stock: duplicate located bucket');
      // Two statements: adding may replace bLevel, and `a.b[f()] = v` writes the old array.
      const b = out.addBucket(item, loc);
      out.bLevel[b] = level;
      out.located[item] = out.located[item]! + level;
    }
    return out;
  }

  exportState(): StockState {
    const m = this.buckets;
    const locItems = new Uint32Array(m);
    const locIds = new Uint32Array(m);
    const locLevels = new Float64Array(m);
    // Item by item in list order: restoring in this order rebuilds the same lists.
    let j = 0;
    for (let item = 0; item < this.head.length; item++) {
      for (let b = this.head[item]!; b !== NONE; b = this.bNext[b]!) {
        locItems[j] = item;
        locIds[j] = this.bLoc[b]!;
        locLevels[j++] = this.bLevel[b]!;
      }
    }
    return {
      known: this.known.slice(),
      unlocated: this.unlocated.slice(),
      oversold: this.over.slice(),
      locItems,
      locIds,
      locLevels,
    };
  }

  /**
   * Renumbers items (engine/retention.ts): `map[id]` is the new id of `id`, 0 when it is dropped.
   * A dropped item's levels, located buckets and oversold units are forgotten, so it reads as
   * unknown (and so in stock) again; kept items move with everything they had, their located
   * buckets in the same order. In place, since the recommender's in-stock filter holds this
   * object. Arrays shrink to fit `size`. O(items + located buckets).
   */
  remap(map: Uint32Array, size: number): void {
    const oldLen = this.known.length;
    // Kept ids never grow (they keep their order from 1), so what fits the old ids fits them.
    const n = oldLen === 0 ? 0 : Math.max(1024, Math.min(size + 1, oldLen));
    const known = new Uint8Array(n);
    const unlocated = new Float64Array(n);
    const located = new Float64Array(n);
    const over = new Float64Array(n);
    let knownItems = 0;
    const bound = Math.min(oldLen, map.length);
    for (let id = 1; id < bound; id++) {
      const to = map[id]!;
      if (to === 0 || this.known[id] !== 1) continue;
      known[to] = 1;
      unlocated[to] = this.unlocated[id]!;
      located[to] = this.located[id]!;
      over[to] = this.over[id]!;
      knownItems++;
    }

    // Located buckets, item by item in list order, so every kept list keeps its order.
    let kept = 0;
    for (let b = 0; b < this.buckets; b++) if (newId(map, this.bItem[b]!) !== 0) kept++;
    let cap = 16;
    while (cap < kept) cap *= 2;
    const bItem = new Uint32Array(cap);
    const bLoc = new Uint32Array(cap);
    const bLevel = new Float64Array(cap);
    const bNext = new Uint32Array(cap);
    const head = new Uint32Array(n).fill(NONE);
    const tail = new Uint32Array(n);
    let j = 0;
    const lists = Math.min(this.head.length, map.length);
    for (let id = 1; id < lists; id++) {
      const to = map[id]!;
      if (to === 0) continue;
      for (let b = this.head[id]!; b !== NONE; b = this.bNext[b]!) {
        bItem[j] = to;
        bLoc[j] = this.bLoc[b]!;
        bLevel[j] = this.bLevel[b]!;
        bNext[j] = NONE;
        if (head[to] === NONE) head[to] = j;
        else bNext[tail[to]!] = j;
        tail[to] = j;
        j++;
      }
    }

    this.known = known;
    this.unlocated = unlocated;
    this.located = located;
    this.over = over;
    this.knownItems = knownItems;
    this.buckets = j;
    this.bItem = bItem;
    this.bLoc = bLoc;
    this.bLevel = bLevel;
    this.bNext = bNext;
    this.head = head;
    this.tail = tail;
    let tableSize = 64;
    while (j * 2 > tableSize) tableSize *= 2;
    this.rehash(tableSize);
  }

  /** Applies one encoded batch: inventory events and purchases. O(batch). */
  ingest(batch: EncodedBatch): void {
    const { type, op, item, quantity, ref, length } = batch;
    for (let i = 0; i < length; i++) {
      const t = type[i]!;
      const it = item[i]!;
      if (it === 0) continue;
      if (t === INVENTORY) this.inventory(it, op[i]!, quantity[i]!, ref[i]!);
      else if (t === PURCHASE) this.sell(it, quantity[i]!);
    }
  }

  /** Units on hand over all locations; undefined before the item's first inventory event. */
  level(item: number): number | undefined {
    if (this.known[item] !== 1) return undefined;
    return this.unlocated[item]! + this.located[item]!;
  }

  /** True when the level is above zero, or unknown (see the file header). */
  inStock(item: number): boolean {
    const level = this.level(item);
    return level === undefined || level > 0;
  }

  /**
   * Units at one location. Location 0 is the unlocated bucket, defined once the item is known;
   * any other location is undefined until an inventory event names it for this item.
   */
  levelAt(item: number, location: number): number | undefined {
    if (this.known[item] !== 1) return undefined;
    if (location === 0) return this.unlocated[item];
    const b = this.bucket(item, location);
    return b < 0 ? undefined : this.bLevel[b];
  }

  /** The item's named locations (first seen first) and their levels. */
  locationsOf(item: number): { locations: Uint32Array; levels: Float64Array } {
    let n = 0;
    const first = item < this.head.length ? this.head[item]! : NONE;
    for (let b = first; b !== NONE; b = this.bNext[b]!) n++;
    const locations = new Uint32Array(n);
    const levels = new Float64Array(n);
    let j = 0;
    for (let b = first; b !== NONE; b = this.bNext[b]!, j++) {
      locations[j] = this.bLoc[b]!;
      levels[j] = this.bLevel[b]!;
    }
    return { locations, levels };
  }

  /** Units purchases took below zero, over the item's life. */
  oversold(item: number): number {
    return this.over[item] ?? 0;
  }

  /** Items with inventory information. */
  get itemCount(): number {
    return this.knownItems;
  }

  bytes(): number {
    const arrays: ArrayBufferView[] = [
      this.known,
      this.unlocated,
      this.located,
      this.over,
      this.bItem,
      this.bLoc,
      this.bLevel,
      this.bNext,
      this.head,
      this.tail,
      this.table,
    ];
    let total = 0;
    for (const a of arrays) total += a.byteLength;
    return total;
  }

  private inventory(item: number, op: number, quantity: number, location: number): void {
    if (op !== SET && op !== RECEIVE && op !== ADJUST) return;
    this.ensureItem(item);
    if (this.known[item] === 0) {
      this.known[item] = 1;
      this.knownItems++;
    }
    if (location === 0) {
      this.unlocated[item] = op === SET ? quantity : this.unlocated[item]! + quantity;
      return;
    }
    let b = this.bucket(item, location);
    if (b < 0) b = this.addBucket(item, location);
    const before = this.bLevel[b]!;
    const after = op === SET ? quantity : before + quantity;
    this.bLevel[b] = after;
    this.located[item] = this.located[item]! + (after - before);
  }

  private sell(item: number, quantity: number): void {
    if (this.known[item] !== 1) return;
    const after = this.unlocated[item]! + this.located[item]! - quantity;
    this.unlocated[item] = this.unlocated[item]! - quantity;
    // Only the units that went below zero: the level may already have been negative.
    if (after < 0) this.over[item] = this.over[item]! + Math.min(quantity, -after);
  }

  private hash(item: number, location: number): number {
    return (Math.imul(item, 0x9e3779b1) ^ Math.imul(location, 0x85ebca6b)) >>> 0;
  }

  private bucket(item: number, location: number): number {
    const mask = this.table.length - 1;
    for (let h = this.hash(item, location) & mask; ; h = (h + 1) & mask) {
      const b = this.table[h]!;
      if (b === NONE) return -1;
      if (this.bItem[b] === item && this.bLoc[b] === location) return b;
    }
  }

  private addBucket(item: number, location: number): number {
    this.ensureItem(item);
    const b = this.buckets++;
    if (b === this.bItem.length) {
      const cap = b * 2;
      const grow = <T extends Uint32Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const out = make(cap);
        out.set(a);
        return out;
      };
      this.bItem = grow(this.bItem, (n) => new Uint32Array(n));
      this.bLoc = grow(this.bLoc, (n) => new Uint32Array(n));
      this.bLevel = grow(this.bLevel, (n) => new Float64Array(n));
      this.bNext = grow(this.bNext, (n) => new Uint32Array(n));
    }
    this.bItem[b] = item;
    this.bLoc[b] = location;
    this.bLevel[b] = 0;
    this.bNext[b] = NONE;
    if (this.head[item] === NONE) this.head[item] = b;
    else this.bNext[this.tail[item]!] = b;
    this.tail[item] = b;
    if (this.buckets * 2 > this.table.length) this.rehash(this.table.length * 2);
    else this.index(b);
    return b;
  }

  private index(b: number): void {
    const mask = this.table.length - 1;
    let h = this.hash(this.bItem[b]!, this.bLoc[b]!) & mask;
    while (this.table[h] !== NONE) h = (h + 1) & mask;
    this.table[h] = b;
  }

  private rehash(capacity: number): void {
    this.table = new Uint32Array(capacity).fill(NONE);
    for (let b = 0; b < this.buckets; b++) this.index(b);
  }

  private ensureItem(item: number): void {
    if (item < this.known.length) return;
    const n = Math.max(item + 1, this.known.length * 2, 1024);
    const known = new Uint8Array(n);
    known.set(this.known);
    this.known = known;
    const f64 = (a: Float64Array) => {
      const out = new Float64Array(n);
      out.set(a);
      return out;
    };
    this.unlocated = f64(this.unlocated);
    this.located = f64(this.located);
    this.over = f64(this.over);
    const head = new Uint32Array(n).fill(NONE);
    head.set(this.head);
    this.head = head;
    const tail = new Uint32Array(n);
    tail.set(this.tail);
    this.tail = tail;
  }
}

/** The new id of `id` under a retention map, 0 when dropped (or past the map: never issued). */
function newId(map: Uint32Array, id: number): number {
  return id < map.length ? map[id]! : 0;
}

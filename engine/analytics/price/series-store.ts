/**
 * The per-item storage of `PriceHistory` (history.ts): columns shared by every item instead of
 * an object per item, so an item with a short history costs tens of bytes, not the hundreds of
 * an object holding eight small typed arrays.
 *
 * Three groups of columns:
 * - per item id: whether the item has a history, its latest list and sale price with their event
 *   times, and where its period block and change block lie;
 * - period slots (period, units, revenue, lines, listAt), one struct-of-arrays slab: an item owns
 *   a block of `pCap` slots from `pAt`, live in [pAt + pHead, pAt + pHead + pCount), ascending
 *   by period;
 * - change points (ts, price, source), a second slab: an item owns a ring of `cCap` slots from
 *   `cAt`, holding `cCount` points from `cAt + cHead`, oldest first.
 *
 * A block that outgrows its capacity moves to the end of its slab at twice the size (up to the
 * caller's limit) and leaves its old slots behind as garbage. When a slab is full it is rebuilt
 * with the live blocks packed in item order, each head moved to its block's start, and room for
 * a quarter as much again (`GROWTH`); so a slab is at most 1.25 times the blocks it holds, and
 * the copy a rebuild costs is amortised over the growth, like an array's. While it runs the
 * old and the new columns are both alive. Every slab index is valid only until the next
 * `reservePeriods` or `addChange`, and the columns themselves may be replaced by them.
 *
 * Capacities, heads and positions are never observable: answers read live slots only.
 */

/** A slab or an item table grows to this many times what it needs (see the header). */
const GROWTH = 1.25;
const MIN_ITEMS = 64;
const MIN_SLOTS = 64;

type Column = Uint8Array | Uint32Array | Float32Array | Float64Array;

/** A copy of `a` of `length` elements, the first `keep` copied. */
function resized<T extends Column>(a: T, length: number, keep: number): T {
  const out = new (a.constructor as new (n: number) => T)(length);
  out.set(a.subarray(0, Math.min(keep, length)));
  return out;
}

export class SeriesStore {
  // Per item id.
  /** 1 when the item has a history. */
  has = new Uint8Array(0);
  /** Latest list price (f32, NaN = none) and the event time that set it (-Infinity = none). */
  list = new Float32Array(0);
  listTs = new Float64Array(0);
  /** Latest sale price (f32, NaN = none) and the event time that set it (-Infinity = none). */
  sale = new Float32Array(0);
  saleTs = new Float64Array(0);
  /** Period block: offset in the slab, capacity (0 = no block), first live slot, live slots. */
  pAt = new Uint32Array(0);
  pCap = new Uint32Array(0);
  pHead = new Uint32Array(0);
  pCount = new Uint32Array(0);
  /** Change ring: offset in the slab, capacity (0 = no ring), oldest point, points. */
  cAt = new Uint32Array(0);
  cCap = new Uint32Array(0);
  cHead = new Uint32Array(0);
  cCount = new Uint32Array(0);

  // Period slab.
  period = new Uint32Array(MIN_SLOTS);
  units = new Float64Array(MIN_SLOTS);
  revenue = new Float64Array(MIN_SLOTS);
  lines = new Uint32Array(MIN_SLOTS);
  /** List price in effect at the period's end (f32, NaN = none). */
  listAt = new Float32Array(MIN_SLOTS);
  /** End of the carved part of the period slab. */
  private pTop = 0;

  // Change slab.
  cTs = new Float64Array(MIN_SLOTS);
  cPrice = new Float32Array(MIN_SLOTS);
  /** 0 = list, 1 = sale. */
  cSource = new Uint8Array(MIN_SLOTS);
  /** End of the carved part of the change slab. */
  private cTop = 0;

  /** True when `item` has a history. */
  holds(item: number): boolean {
    return item < this.has.length && this.has[item] === 1;
  }

  /** Gives `item` (not held) an empty history: no prices, periods or change points. Amortised O(1). */
  create(item: number): void {
    if (item >= this.has.length)
      this.resizeItems(Math.max(item + 1, Math.ceil(this.has.length * GROWTH), MIN_ITEMS));
    this.has[item] = 1;
    this.list[item] = NaN;
    this.listTs[item] = -Infinity;
    this.sale[item] = NaN;
    this.saleTs[item] = -Infinity;
    // A remap may leave the entries of an id without history stale.
    this.pAt[item] = this.pCap[item] = this.pHead[item] = this.pCount[item] = 0;
    this.cAt[item] = this.cCap[item] = this.cHead[item] = this.cCount[item] = 0;
  }

  /**
   * Makes room in `item`'s block for `n` live slots from its head; `n` never exceeds `limit`.
   * May move the block and rebuild the slab.
   */
  reservePeriods(item: number, n: number, limit: number): void {
    const cap = this.pCap[item]!;
    const head = this.pHead[item]!;
    if (head + n <= cap) return;
    if (n > cap) {
      this.movePeriods(item, Math.min(Math.max(n, cap * 2), limit));
      return;
    }
    const from = this.pAt[item]! + head;
    const to = this.pAt[item]!;
    const end = from + this.pCount[item]!;
    this.period.copyWithin(to, from, end);
    this.units.copyWithin(to, from, end);
    this.revenue.copyWithin(to, from, end);
    this.lines.copyWithin(to, from, end);
    this.listAt.copyWithin(to, from, end);
    this.pHead[item] = 0;
  }

  /**
   * Opens an empty slot for `period` at slab index `at`, in [start, end] of `item`'s live slots;
   * the block has room for it (see `reservePeriods`).
   */
  insertPeriod(item: number, at: number, period: number, listAt: number): void {
    const end = this.pAt[item]! + this.pHead[item]! + this.pCount[item]!;
    if (at < end) {
      this.period.copyWithin(at + 1, at, end);
      this.units.copyWithin(at + 1, at, end);
      this.revenue.copyWithin(at + 1, at, end);
      this.lines.copyWithin(at + 1, at, end);
      this.listAt.copyWithin(at + 1, at, end);
    }
    this.period[at] = period;
    this.units[at] = 0;
    this.revenue[at] = 0;
    this.lines[at] = 0;
    this.listAt[at] = listAt;
    this.pCount[item]++;
  }

  /**
   * Adds a change point to `item`'s ring, which grows up to `limit` points; at the limit the
   * oldest gives way. May move the ring and rebuild the change slab.
   */
  addChange(item: number, ts: number, price: number, source: number, limit: number): void {
    let cap = this.cCap[item]!;
    const count = this.cCount[item]!;
    if (count === cap && cap < limit) {
      cap = Math.min(Math.max(cap * 2, 1), limit);
      this.moveChanges(item, cap);
    }
    const base = this.cAt[item]!;
    const head = this.cHead[item]!;
    let at: number;
    if (count < cap) {
      at = base + ((head + count) % cap);
      this.cCount[item] = count + 1;
    } else {
      at = base + head;
      this.cHead[item] = (head + 1) % cap;
    }
    this.cTs[at] = ts;
    this.cPrice[at] = price;
    this.cSource[at] = source;
  }

  /** Slab index of `item`'s `i`-th change point, oldest first (i < cCount). */
  changeAt(item: number, i: number): number {
    return this.cAt[item]! + ((this.cHead[item]! + i) % this.cCap[item]!);
  }

  /**
   * Renumbers the items by the retention map `map` (checked by the caller): a kept item moves
   * to `map[id]` with its history, a dropped one (and one past the map) is forgotten, and both
   * slabs are rebuilt without the dropped blocks. Returns the items kept. O(items + live slots).
   */
  remap(map: Uint32Array, size: number): number {
    const old = this.has.length;
    const last = Math.max(old, map.length);
    let kept = 0;
    // Kept ids keep their order, so map[id] <= id and each target is written after it is read:
    // the move is in place, front to back. Every id 1..size is a target, so each is rewritten.
    for (let id = 1; id < last; id++) {
      const to = id < map.length ? map[id]! : 0;
      if (to === 0 || to >= old) continue;
      if (id >= old || this.has[id] !== 1) {
        this.has[to] = 0;
        continue;
      }
      kept++;
      if (to === id) continue;
      this.has[to] = 1;
      this.list[to] = this.list[id]!;
      this.listTs[to] = this.listTs[id]!;
      this.sale[to] = this.sale[id]!;
      this.saleTs[to] = this.saleTs[id]!;
      this.pAt[to] = this.pAt[id]!;
      this.pCap[to] = this.pCap[id]!;
      this.pHead[to] = this.pHead[id]!;
      this.pCount[to] = this.pCount[id]!;
      this.cAt[to] = this.cAt[id]!;
      this.cCap[to] = this.cCap[id]!;
      this.cHead[to] = this.cHead[id]!;
      this.cCount[to] = this.cCount[id]!;
    }
    this.resizeItems(size + 1);
    this.rebuildPeriods(0, 0);
    this.rebuildChanges(0, 0);
    return kept;
  }

  /** Sets the length of every per-item column; entries past the old length start empty. */
  private resizeItems(length: number): void {
    const keep = this.has.length;
    this.has = resized(this.has, length, keep);
    this.list = resized(this.list, length, keep);
    this.listTs = resized(this.listTs, length, keep);
    this.sale = resized(this.sale, length, keep);
    this.saleTs = resized(this.saleTs, length, keep);
    this.pAt = resized(this.pAt, length, keep);
    this.pCap = resized(this.pCap, length, keep);
    this.pHead = resized(this.pHead, length, keep);
    this.pCount = resized(this.pCount, length, keep);
    this.cAt = resized(this.cAt, length, keep);
    this.cCap = resized(this.cCap, length, keep);
    this.cHead = resized(this.cHead, length, keep);
    this.cCount = resized(this.cCount, length, keep);
  }

  /** Gives `item` a period block of `cap` slots holding its live slots from its start. */
  private movePeriods(item: number, cap: number): void {
    if (this.pTop + cap > this.period.length) {
      this.rebuildPeriods(item, cap);
      return;
    }
    const to = this.pTop;
    this.pTop += cap;
    this.copyPeriods(item, this, to);
    this.pAt[item] = to;
    this.pCap[item] = cap;
    this.pHead[item] = 0;
  }

  /**
   * Packs the live period blocks into new columns in item order, `item` (when not 0) at `cap`
   * slots, with room to grow (`GROWTH`). O(items + live slots).
   */
  private rebuildPeriods(item: number, cap: number): void {
    let live = 0;
    for (let id = 1; id < this.has.length; id++)
      if (this.has[id] === 1) live += id === item ? cap : this.pCap[id]!;
    const length = Math.max(Math.ceil(live * GROWTH), MIN_SLOTS);
    const into = {
      period: new Uint32Array(length),
      units: new Float64Array(length),
      revenue: new Float64Array(length),
      lines: new Uint32Array(length),
      listAt: new Float32Array(length),
    };
    let top = 0;
    for (let id = 1; id < this.has.length; id++) {
      const size = id === item ? cap : this.pCap[id]!;
      if (size === 0 || this.has[id] !== 1) continue;
      this.copyPeriods(id, into, top);
      this.pAt[id] = top;
      this.pCap[id] = size;
      this.pHead[id] = 0;
      top += size;
    }
    this.period = into.period;
    this.units = into.units;
    this.revenue = into.revenue;
    this.lines = into.lines;
    this.listAt = into.listAt;
    this.pTop = top;
  }

  /** Copies `item`'s live period slots to `into` from index `to`. */
  private copyPeriods(
    item: number,
    into: Pick<SeriesStore, 'period' | 'units' | 'revenue' | 'lines' | 'listAt'>,
    to: number,
  ): void {
    const from = this.pAt[item]! + this.pHead[item]!;
    const n = this.pCount[item]!;
    for (let i = 0; i < n; i++) {
      into.period[to + i] = this.period[from + i]!;
      into.units[to + i] = this.units[from + i]!;
      into.revenue[to + i] = this.revenue[from + i]!;
      into.lines[to + i] = this.lines[from + i]!;
      into.listAt[to + i] = this.listAt[from + i]!;
    }
  }

  /** Gives `item` a change ring of `cap` slots holding its points, oldest at the start. */
  private moveChanges(item: number, cap: number): void {
    if (this.cTop + cap > this.cTs.length) {
      this.rebuildChanges(item, cap);
      return;
    }
    const to = this.cTop;
    this.cTop += cap;
    this.copyChanges(item, this, to);
    this.cAt[item] = to;
    this.cCap[item] = cap;
    this.cHead[item] = 0;
  }

  /** `rebuildPeriods` for the change slab. */
  private rebuildChanges(item: number, cap: number): void {
    let live = 0;
    for (let id = 1; id < this.has.length; id++)
      if (this.has[id] === 1) live += id === item ? cap : this.cCap[id]!;
    const length = Math.max(Math.ceil(live * GROWTH), MIN_SLOTS);
    const into = {
      cTs: new Float64Array(length),
      cPrice: new Float32Array(length),
      cSource: new Uint8Array(length),
    };
    let top = 0;
    for (let id = 1; id < this.has.length; id++) {
      const size = id === item ? cap : this.cCap[id]!;
      if (size === 0 || this.has[id] !== 1) continue;
      this.copyChanges(id, into, top);
      this.cAt[id] = top;
      this.cCap[id] = size;
      this.cHead[id] = 0;
      top += size;
    }
    this.cTs = into.cTs;
    this.cPrice = into.cPrice;
    this.cSource = into.cSource;
    this.cTop = top;
  }

  /** Copies `item`'s change points, oldest first, to `into` from index `to`. */
  private copyChanges(
    item: number,
    into: Pick<SeriesStore, 'cTs' | 'cPrice' | 'cSource'>,
    to: number,
  ): void {
    const n = this.cCount[item]!;
    for (let i = 0; i < n; i++) {
      const j = this.changeAt(item, i);
      into.cTs[to + i] = this.cTs[j]!;
      into.cPrice[to + i] = this.cPrice[j]!;
      into.cSource[to + i] = this.cSource[j]!;
    }
  }
}

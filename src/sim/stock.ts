/**
 * The simulator's own stock bookkeeping, and the inventory events that report it.
 *
 * Each item starts at a target level sized to its expected demand; purchases draw it down
 * (never below zero: a shopper cannot buy what is not there), and a periodic replenishment run
 * `receive`s items that fell to their reorder point back up to target.
 */
import type { InventoryEvent } from '../../engine/events.js';
import type { SimCatalogue } from './catalogue.js';
import type { Rng } from './random.js';

/** Reorder when stock falls to this share of the target level. */
const REORDER_SHARE = 0.3;
/** Even items nobody looks at keep a couple of units on the shelf. */
const MIN_TARGET = 2;

/** Units on hand per item, with reorder bookkeeping; owned by one simulator. */
export class StockBook {
  /** Units on hand per item; never negative. */
  readonly level: Int32Array;
  /** Level a replenishment brings an item back to. */
  readonly target: Int32Array;
  /** Level at or below which an item waits for the next replenishment run. */
  readonly reorderAt: Int32Array;
  private readonly waiting: Uint8Array;
  private low: number[] = [];

  /**
   * @param unitsPerHour expected units sold per simulated hour across the whole shop
   * @param coverHours mean hours of expected demand a full shelf covers
   */
  constructor(
    private readonly catalogue: SimCatalogue,
    rng: Rng,
    unitsPerHour: number,
    coverHours: number,
  ) {
    const n = catalogue.itemIds.length;
    this.level = new Int32Array(n);
    this.target = new Int32Array(n);
    this.reorderAt = new Int32Array(n);
    this.waiting = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      // Buyers disagree on cover: some items are overstocked, others run out quickly.
      const cover = coverHours * (0.5 + rng.next());
      const t = MIN_TARGET + Math.ceil(catalogue.viewShare[i]! * unitsPerHour * cover);
      this.target[i] = t;
      this.reorderAt[i] = Math.floor(t * REORDER_SHARE);
      this.level[i] = t;
    }
  }

  /** The initial snapshot event for one item (`set` to its starting level). */
  initial(item: number, ts: number): InventoryEvent {
    return {
      type: 'inventory',
      ts,
      item: this.catalogue.itemIds[item]!,
      op: 'set',
      quantity: this.level[item]!,
    };
  }

  /** Takes up to `wanted` units; returns how many were there to take. */
  take(item: number, wanted: number): number {
    const got = Math.min(wanted, this.level[item]!);
    this.level[item] = this.level[item]! - got;
    this.checkLow(item);
    return got;
  }

  /**
   * A store's count correction: mostly shrinkage, sometimes found units. Returns the event, or
   * undefined when nothing can change (never happens with the current rules, kept for safety).
   */
  adjust(rng: Rng, item: number, ts: number, stores: number): InventoryEvent | undefined {
    const level = this.level[item]!;
    let delta = rng.range(1, 3);
    if (level > 0 && rng.chance(0.75)) delta = -Math.min(delta, level);
    if (delta === 0) return undefined;
    this.level[item] = level + delta;
    this.checkLow(item);
    return {
      type: 'inventory',
      ts,
      item: this.catalogue.itemIds[item]!,
      op: 'adjust',
      quantity: delta,
      location: `store-${rng.int(stores)}`,
    };
  }

  /** Replenishment run: `receive` every item still at or below its reorder point. */
  replenish(ts: number, out: { push(e: InventoryEvent): unknown }): number {
    let count = 0;
    const due = this.low;
    this.low = [];
    for (const item of due) {
      this.waiting[item] = 0;
      const level = this.level[item]!;
      if (level > this.reorderAt[item]!) continue;
      const quantity = this.target[item]! - level;
      this.level[item] = level + quantity;
      out.push({
        type: 'inventory',
        ts,
        item: this.catalogue.itemIds[item]!,
        op: 'receive',
        quantity,
      });
      count++;
    }
    return count;
  }

  private checkLow(item: number): void {
    if (this.waiting[item] === 0 && this.level[item]! <= this.reorderAt[item]!) {
      this.waiting[item] = 1;
      this.low.push(item);
    }
  }
}

/**
 * Inventory alerts as derived events, and the book that keeps them.
 *
 * An alert marks the start of a condition on an item (at risk of selling out, sold below zero,
 * overstocked). While the condition lasts the item is "active" for that type and nothing more is
 * raised for it, so a publisher sees one event per episode rather than one per purchase. The
 * active bits are per item (a byte each, over the whole catalogue); the alert objects are
 * bounded: the current list keeps the newest `capacity` open alerts, and the queue of alerts not
 * yet handed to a publisher keeps the newest `capacity` too, counting what it drops. An alert
 * evicted from the current list stays active, so it is not raised twice for one episode.
 */
import { expectState, isArrayOf, isCount, allBelow } from '../snapshot/check.js';

export const INVENTORY_ALERT_TYPES = [
  'stockout_risk',
  'oversell',
  'overstock',
  // Stock moved for an SKU the catalogue does not list: kept, but likely a wrong code.
  'unknown_sku',
] as const;
export type InventoryAlertType = (typeof INVENTORY_ALERT_TYPES)[number];

export interface InventoryAlert {
  type: InventoryAlertType;
  /** Item dictionary id. */
  item: number;
  /** Stream time of the check that raised it (epoch ms). */
  ts: number;
  /** What happened, in plain words with the numbers. */
  reason: string;
  /** Units on hand over all locations when raised. */
  level: number;
  velocityPerDay: number;
  /** Level / velocity; Infinity when nothing sells, 0 at or below zero. */
  daysOfCover: number;
  /** Stockout risk over the lead time (stockout_risk alerts). */
  risk?: number;
  /** stockout_risk alerts. */
  reorderPoint?: number;
  /** stockout_risk alerts. */
  orderQuantity?: number;
  /** Units sold beyond stock (oversell alerts). */
  oversoldUnits?: number;
}

/** What a snapshot keeps of the book. */
export interface AlertBookState {
  /** Per item id, one bit per alert type (INVENTORY_ALERT_TYPES order) while it is active. */
  active: Uint8Array;
  /** Open alerts, oldest first. */
  current: InventoryAlert[];
  /** Alerts not yet drained, oldest first. */
  pending: InventoryAlert[];
  /** Alerts dropped from the pending queue because nobody drained it. */
  dropped: number;
}

const BIT: Readonly<Record<InventoryAlertType, number>> = {
  stockout_risk: 0,
  oversell: 1,
  overstock: 2,
  unknown_sku: 3,
};
const OPTIONAL_NUMBERS = ['risk', 'reorderPoint', 'orderQuantity', 'oversoldUnits'] as const;

function keyOf(item: number, type: InventoryAlertType): number {
  return item * 4 + BIT[type];
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}

/** True when `a` is shaped like an alert an AlertBook could have raised. */
function isAlert(a: unknown): a is InventoryAlert {
  if (typeof a !== 'object' || a === null) return false;
  const r = a as Record<string, unknown>;
  if (!(INVENTORY_ALERT_TYPES as readonly unknown[]).includes(r.type)) return false;
  if (!isCount(r.item) || r.item === 0 || r.item > 0xffffffff) return false;
  if (!Number.isFinite(r.ts) || typeof r.reason !== 'string') return false;
  if (!Number.isFinite(r.level) || !Number.isFinite(r.velocityPerDay)) return false;
  if (!isNumber(r.daysOfCover) || r.daysOfCover < 0) return false;
  for (const f of OPTIONAL_NUMBERS) if (r[f] !== undefined && !isNumber(r[f])) return false;
  return true;
}

/**
 * What one held alert costs on the heap: the object, its reason (about 120 characters), the
 * numbers boxed in it and its entries in the open map and the queue. A book of 10,000 stockout
 * alerts, open and queued, grew the heap by about 470 bytes per alert.
 */
const ALERT_BYTES = 480;

/**
 * The book's own frozen copy of an alert (renamed to `item` when given). Built field by field:
 * `Object.freeze({ ...alert })` gives every copy a hidden class of its own in V8 when the numbers
 * vary between small integers and doubles (about 1 KB of heap per alert), and the reason is
 * flattened, so the pieces it was built from are not kept.
 */
function stored(a: InventoryAlert, item = a.item): InventoryAlert {
  const reason = a.reason;
  // Reading a character makes V8 flatten a string built by concatenation.
  if (reason.length > 0) reason.charCodeAt(0);
  const out: InventoryAlert = {
    type: a.type,
    item,
    ts: a.ts,
    reason,
    level: a.level,
    velocityPerDay: a.velocityPerDay,
    daysOfCover: a.daysOfCover,
  };
  if (a.risk !== undefined) out.risk = a.risk;
  if (a.reorderPoint !== undefined) out.reorderPoint = a.reorderPoint;
  if (a.orderQuantity !== undefined) out.orderQuantity = a.orderQuantity;
  if (a.oversoldUnits !== undefined) out.oversoldUnits = a.oversoldUnits;
  return Object.freeze(out);
}

export class AlertBook {
  private active = new Uint8Array(0);
  /** Open alerts by key, in the order raised, each with the sequence number it was raised at. */
  private open = new Map<number, { alert: InventoryAlert; seq: number }>();
  // Raise order for evicting the oldest open alert. Map#keys().next() is no substitute: V8 leaves
  // deleted entries in place until a rehash, so finding the first live one is O(capacity) after
  // many clears. Entries whose alert was cleared (or raised again since) are skipped lazily.
  private orderKeys: number[] = [];
  private orderSeqs: number[] = [];
  private head = 0;
  private seq = 0;
  /** Alerts not yet drained: a ring whose oldest entry is at `pendingHead` once it is full. */
  private pending: InventoryAlert[] = [];
  private pendingHead = 0;
  private droppedCount = 0;

  /** @param capacity most alerts kept in the current list, and in the pending queue */
  constructor(readonly capacity: number) {}

  /**
   * Restores from `exportState`, keeping the newest `capacity` alerts of each list when the
   * capacity shrank. Throws AisleError('AISLE_SNAPSHOT') when malformed. O(items + alerts).
   */
  static fromState(capacity: number, state: AlertBookState): AlertBook {
    expectState(
      isArrayOf(state.active, Uint8Array) &&
        allBelow(state.active, 1 << INVENTORY_ALERT_TYPES.length),
      'alerts: active bits',
    );
    expectState(
      Array.isArray(state.current) && Array.isArray(state.pending) && isCount(state.dropped),
      'alerts: lists',
    );
    const out = new AlertBook(capacity);
    out.active = state.active.slice();
    for (const a of state.current) {
      expectState(isAlert(a), 'alerts: current alert');
      const key = keyOf(a.item, a.type);
      expectState(out.isActive(a.item, a.type), 'alerts: current alert is not active');
      expectState(!out.open.has(key), 'alerts: duplicate current alert');
      out.addOpen(key, stored(a));
    }
    out.droppedCount = state.dropped;
    for (const a of state.pending) {
      expectState(isAlert(a), 'alerts: pending alert');
      out.queue(stored(a));
    }
    out.trimOpen();
    return out;
  }

  /** A copy of the state (the alert objects are frozen and shared). O(items + alerts). */
  exportState(): AlertBookState {
    return {
      active: this.active.slice(),
      current: this.current(),
      pending: this.queued(),
      dropped: this.droppedCount,
    };
  }

  isActive(item: number, type: InventoryAlertType): boolean {
    return ((this.active[item] ?? 0) & (1 << BIT[type])) !== 0;
  }

  /** Opens an episode and queues its alert; false (and nothing done) if one is already open. */
  raise(alert: InventoryAlert): boolean {
    const { item, type } = alert;
    if (this.isActive(item, type)) return false;
    this.ensure(item);
    this.active[item] = this.active[item]! | (1 << BIT[type]);
    const kept = stored(alert);
    this.addOpen(keyOf(item, type), kept);
    this.trimOpen();
    this.queue(kept);
    return true;
  }

  /** Ends the item's episode of this type, if one is open. */
  clear(item: number, type: InventoryAlertType): void {
    if (!this.isActive(item, type)) return;
    this.active[item] = this.active[item]! & ~(1 << BIT[type]);
    this.open.delete(keyOf(item, type));
  }

  /**
   * Renumbers items (engine/retention.ts): `map[id]` is the new id of `id`, 0 when it is dropped.
   * The episodes of a dropped item end and its alerts are forgotten, open or not yet drained: a
   * publisher would name an item the engine no longer knows. They do not count as `dropped`,
   * which counts alerts lost for want of a drain. Kept alerts are renamed to the new ids and keep
   * their order. O(items + alerts).
   */
  remap(map: Uint32Array, size: number): void {
    const oldLen = this.active.length;
    const n = oldLen === 0 ? 0 : Math.max(1024, Math.min(size + 1, oldLen));
    const active = new Uint8Array(n);
    const bound = Math.min(oldLen, map.length);
    for (let id = 1; id < bound; id++) {
      const to = map[id]!;
      if (to !== 0) active[to] = this.active[id]!;
    }
    this.active = active;

    // An alert is often both open and pending: rename it once, so the two lists share it still.
    const renamed = new Map<InventoryAlert, InventoryAlert>();
    const rename = (a: InventoryAlert): InventoryAlert | undefined => {
      const to = a.item < map.length ? map[a.item]! : 0;
      if (to === 0) return undefined;
      if (to === a.item) return a;
      let out = renamed.get(a);
      if (out === undefined) {
        out = stored(a, to);
        renamed.set(a, out);
      }
      return out;
    };
    const open = new Map<number, { alert: InventoryAlert; seq: number }>();
    this.orderKeys = [];
    this.orderSeqs = [];
    this.head = 0;
    // Map order is raise order, which eviction follows.
    for (const entry of this.open.values()) {
      const alert = rename(entry.alert);
      if (alert === undefined) continue;
      const key = keyOf(alert.item, alert.type);
      open.set(key, { alert, seq: entry.seq });
      this.orderKeys.push(key);
      this.orderSeqs.push(entry.seq);
    }
    this.open = open;
    const pending = this.queued();
    this.pending = [];
    this.pendingHead = 0;
    for (const a of pending) {
      const alert = rename(a);
      if (alert !== undefined) this.pending.push(alert);
    }
  }

  /** Open alerts, oldest first, lazily: a caller that wants a page stops early. */
  *iterate(): IterableIterator<InventoryAlert> {
    for (const entry of this.open.values()) yield entry.alert;
  }

  /** Open alerts, oldest first (at most `capacity`). */
  current(): InventoryAlert[] {
    const out: InventoryAlert[] = [];
    for (const entry of this.open.values()) out.push(entry.alert);
    return out;
  }

  /** Alerts raised since the last drain, oldest first (at most `capacity`); empties the queue. */
  drain(): InventoryAlert[] {
    const out = this.queued();
    this.pending = [];
    this.pendingHead = 0;
    return out;
  }

  /** Alerts dropped from the queue because it was not drained in time, over the book's life. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** The active bits, and the alerts held (mostly both open and queued: the same objects). */
  bytes(): number {
    return this.active.byteLength + Math.max(this.open.size, this.pending.length) * ALERT_BYTES;
  }

  private addOpen(key: number, alert: InventoryAlert): void {
    const seq = ++this.seq;
    this.open.set(key, { alert, seq });
    this.orderKeys.push(key);
    this.orderSeqs.push(seq);
    // Mostly stale entries (raised, then cleared): rebuild from the live ones, in raise order.
    if (this.orderKeys.length - this.head > 2 * this.open.size + 1024) {
      this.orderKeys = [];
      this.orderSeqs = [];
      this.head = 0;
      for (const [k, entry] of this.open) {
        this.orderKeys.push(k);
        this.orderSeqs.push(entry.seq);
      }
    }
  }

  private trimOpen(): void {
    while (this.open.size > this.capacity) {
      const key = this.orderKeys[this.head]!;
      const seq = this.orderSeqs[this.head]!;
      this.head++;
      if (this.open.get(key)?.seq === seq) this.open.delete(key);
    }
    if (this.head > 1024 && this.head * 2 > this.orderKeys.length) {
      this.orderKeys = this.orderKeys.slice(this.head);
      this.orderSeqs = this.orderSeqs.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Queues an alert for the next drain. The queue is a ring of `capacity` alerts: when it is full
   * the oldest goes (and counts as dropped), so it never holds more than the newest `capacity`.
   */
  private queue(alert: InventoryAlert): void {
    if (this.pending.length < this.capacity) {
      this.pending.push(alert);
      return;
    }
    if (this.capacity === 0) {
      this.droppedCount++;
      return;
    }
    this.pending[this.pendingHead] = alert;
    this.pendingHead = this.pendingHead + 1 === this.capacity ? 0 : this.pendingHead + 1;
    this.droppedCount++;
  }

  /** The queue, oldest first. */
  private queued(): InventoryAlert[] {
    const h = this.pendingHead;
    return h === 0 ? this.pending.slice() : [...this.pending.slice(h), ...this.pending.slice(0, h)];
  }

  private ensure(item: number): void {
    if (item < this.active.length) return;
    const next = new Uint8Array(Math.max(item + 1, this.active.length * 2, 1024));
    next.set(this.active);
    this.active = next;
  }
}

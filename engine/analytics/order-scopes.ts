/**
 * Which orders have been counted in which scope (the shop, a category, an item), so that an order
 * counts once per scope however its lines are split across batches and interleaved with others.
 *
 * An entry (order, scope) remembers when the order was counted there. It is live while that time
 * is no more than `horizon` behind the newest time seen; a line finding no live entry counts its
 * order again. Liveness depends only on those two times, never on when the table happens to be
 * rebuilt, so a restored table answers exactly as the saved one would have. Entries that are no
 * longer live are dropped when the table fills, so its size follows the orders of one horizon.
 *
 * Open addressing with linear probing over flat arrays; order id 0 marks an empty slot.
 */
import { allBelow, expectState, isArrayOf } from '../snapshot/check.js';

/** What a snapshot keeps: the live entries, ascending by (order, scope). */
export interface OrderScopesState {
  order: Uint32Array;
  scope: Uint32Array;
  /** When the order was counted in the scope, ms. */
  at: Float64Array;
}

const FIRST_CAPACITY = 1024;

export class OrderScopes {
  private order: Uint32Array;
  private scope: Uint32Array;
  private at: Float64Array;
  private size = 0;

  /** @param horizonMs how long an entry stays live behind the newest time, ms. */
  constructor(
    readonly horizonMs: number,
    capacity = FIRST_CAPACITY,
  ) {
    this.order = new Uint32Array(capacity);
    this.scope = new Uint32Array(capacity);
    this.at = new Float64Array(capacity);
  }

  /**
   * Restores a table from `exportState`. Throws AisleError('AISLE_SNAPSHOT') unless the entries
   * are distinct, ascending, live at `newest` and their scopes below `scopeBound`. O(entries).
   */
  static fromState(
    horizonMs: number,
    state: OrderScopesState,
    newest: number,
    scopeBound: number,
  ): OrderScopes {
    expectState(typeof state === 'object' && state !== null, 'order scopes: missing');
    const n = state.order?.length ?? 0;
    expectState(
      isArrayOf(state.order, Uint32Array) &&
        isArrayOf(state.scope, Uint32Array, n) &&
        isArrayOf(state.at, Float64Array, n) &&
        allBelow(state.scope, scopeBound),
      'order scopes: arrays',
    );
    let capacity = FIRST_CAPACITY;
    while (capacity < n * 4) capacity *= 2;
    const out = new OrderScopes(horizonMs, capacity);
    for (let i = 0; i < n; i++) {
      const order = state.order[i]!;
      const scope = state.scope[i]!;
      const at = state.at[i]!;
      const prevOrder = i === 0 ? 0 : state.order[i - 1]!;
      const ascending = order > prevOrder || (order === prevOrder && scope > state.scope[i - 1]!);
      expectState(
        order > 0 && ascending && at >= newest - horizonMs && at <= newest,
        `order scopes: entry ${i} out of order or not live`,
      );
      out.insert(-1 - out.find(order, scope), order, scope, at);
    }
    return out;
  }

  /**
   * The live entries at `newest`, ascending by (order, scope), so that the same entries always
   * give the same snapshot. O(entries log entries), in a native sort.
   */
  exportState(newest: number): OrderScopesState {
    let n = 0;
    for (let i = 0; i < this.order.length; i++) {
      if (this.order[i] !== 0 && this.live(i, newest)) n++;
    }
    // Each key as one u64, order · 2^32 + scope, written through a u32 view (little-endian, as
    // every snapshot array is), so a typed-array sort orders them without a BigInt per entry.
    const keys = new BigUint64Array(n);
    const words = new Uint32Array(keys.buffer);
    let at = 0;
    for (let i = 0; i < this.order.length; i++) {
      if (this.order[i] === 0 || !this.live(i, newest)) continue;
      words[2 * at] = this.scope[i]!;
      words[2 * at + 1] = this.order[i]!;
      at++;
    }
    keys.sort();
    const out: OrderScopesState = {
      order: new Uint32Array(n),
      scope: new Uint32Array(n),
      at: new Float64Array(n),
    };
    for (let k = 0; k < n; k++) {
      const scope = words[2 * k]!;
      const order = words[2 * k + 1]!;
      out.order[k] = order;
      out.scope[k] = scope;
      out.at[k] = this.at[this.find(order, scope)]!;
    }
    return out;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.order.byteLength + this.scope.byteLength + this.at.byteLength;
  }

  /**
   * True when a line of `order` at time `t` counts the order in `scope`: no live entry at
   * `newest` (which must already include `t`). Records `t` as the counting time when it does.
   * `order` must not be 0. O(1) expected.
   */
  open(order: number, scope: number, t: number, newest: number): boolean {
    let slot = this.find(order, scope);
    if (slot >= 0) {
      if (this.live(slot, newest)) return false;
      this.at[slot] = t;
      return true;
    }
    if ((this.size + 1) * 2 > this.order.length) {
      this.rebuild(newest);
      slot = this.find(order, scope);
    }
    this.insert(-1 - slot, order, scope, t);
    return true;
  }

  /**
   * Renumbers the entries for a compaction (engine/retention.ts): `order(o)` is the new order id,
   * 0 to drop the entry; `scope(s)` the new scope, −1 to drop it. Only entries live at `newest`
   * are kept (as a rebuild does: liveness alone decides an answer), in a table sized to fit them.
   * O(table).
   */
  rekey(newest: number, order: (o: number) => number, scope: (s: number) => number): void {
    const old = { order: this.order, scope: this.scope, at: this.at };
    const n = old.order.length;
    const newOrder = new Uint32Array(n);
    const newScope = new Uint32Array(n);
    let live = 0;
    for (let i = 0; i < n; i++) {
      const o = old.order[i]!;
      if (o === 0 || !this.live(i, newest)) continue;
      const to = order(o);
      const sc = scope(old.scope[i]!);
      if (to === 0 || sc < 0) continue;
      newOrder[i] = to;
      newScope[i] = sc;
      live++;
    }
    let capacity = FIRST_CAPACITY;
    while (capacity < (live + 1) * 4) capacity *= 2;
    this.order = new Uint32Array(capacity);
    this.scope = new Uint32Array(capacity);
    this.at = new Float64Array(capacity);
    this.size = 0;
    for (let i = 0; i < n; i++) {
      const o = newOrder[i]!;
      if (o === 0) continue;
      this.insert(-1 - this.find(o, newScope[i]!), o, newScope[i]!, old.at[i]!);
    }
  }

  private live(slot: number, newest: number): boolean {
    return this.at[slot]! >= newest - this.horizonMs;
  }

  /** Slot of the entry, or −1 − (the empty slot where it would go). */
  private find(order: number, scope: number): number {
    const mask = this.order.length - 1;
    let h = Math.imul(order, 0x9e3779b1) ^ Math.imul(scope, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    let slot = (h ^ (h >>> 13)) & mask;
    for (;;) {
      const o = this.order[slot]!;
      if (o === 0) return -1 - slot;
      if (o === order && this.scope[slot] === scope) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private insert(empty: number, order: number, scope: number, at: number): void {
    this.order[empty] = order;
    this.scope[empty] = scope;
    this.at[empty] = at;
    this.size++;
  }

  /** Keeps the live entries in a table with room for as many again, twice over. */
  private rebuild(newest: number): void {
    let live = 0;
    for (let i = 0; i < this.order.length; i++) {
      if (this.order[i] !== 0 && this.live(i, newest)) live++;
    }
    let capacity = FIRST_CAPACITY;
    while (capacity < (live + 1) * 4) capacity *= 2;
    const { order, scope, at } = this;
    this.order = new Uint32Array(capacity);
    this.scope = new Uint32Array(capacity);
    this.at = new Float64Array(capacity);
    this.size = 0;
    for (let i = 0; i < order.length; i++) {
      if (order[i] === 0 || !(at[i]! >= newest - this.horizonMs)) continue;
      this.insert(-1 - this.find(order[i]!, scope[i]!), order[i]!, scope[i]!, at[i]!);
    }
  }
}

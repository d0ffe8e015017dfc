/**
 * Weighted counts of unordered item pairs, with the neighbour list of each item.
 *
 * A pair is stored once, as (min, max): co-occurrence is symmetric, and one probe per update
 * instead of two halves the random memory traffic that dominates ingest.
 * Open addressing over flat typed arrays: a `Map` keyed by pairs costs an allocation and a
 * string or float key per update, which is most of the ingest budget at 500k events/s.
 */
import { allBelow, expectState, isArrayOf, isCount, sum } from '../snapshot/check.js';

const EMPTY = 0xffffffff;

/**
 * What a snapshot keeps of a pair table: the table arrays as they are (slot for slot, so no
 * rehash on restore) and the neighbour lists flattened, in first-seen order.
 */
export interface PairCountsState {
  /** Distinct pairs held. */
  used: number;
  /** Slot arrays, all of the table's power-of-two capacity; keysA is 0xffffffff in empty slots. */
  keysA: Uint32Array;
  keysB: Uint32Array;
  values: Float32Array;
  /** Per item id: neighbours held (0 for an item without a list). */
  degree: Uint32Array;
  /** Per item id: allocated length of its list (0 for none), so growth continues as it would have. */
  listCapacity: Uint32Array;
  /** Every item's neighbours, item by item, `degree[a]` entries each. */
  neighbours: Uint32Array;
}

export class PairCounts {
  private capacity: number;
  private mask: number;
  private keysA: Uint32Array;
  private keysB: Uint32Array;
  private values: Float32Array;
  private used = 0;
  /** neighbours[a] lists every b with a count for {a, b}, in first-seen order. */
  private neighbours: Uint32Array[] = [];
  private degree: number[] = [];

  constructor(initialCapacity = 1 << 16) {
    this.capacity = 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.mask = this.capacity - 1;
    this.keysA = new Uint32Array(this.capacity).fill(EMPTY);
    this.keysB = new Uint32Array(this.capacity);
    this.values = new Float32Array(this.capacity);
  }

  /**
   * Restores a table from `exportState`. Throws AisleError('AISLE_SNAPSHOT') when the arrays do
   * not describe a valid table. O(capacity + neighbours).
   */
  static fromState(state: PairCountsState): PairCounts {
    const capacity = state.keysA?.length ?? 0;
    expectState(
      capacity >= 16 && (capacity & (capacity - 1)) === 0,
      'pair counts: capacity is not a power of two >= 16',
    );
    expectState(
      isArrayOf(state.keysA, Uint32Array) &&
        isArrayOf(state.keysB, Uint32Array, capacity) &&
        isArrayOf(state.values, Float32Array, capacity),
      'pair counts: table arrays',
    );
    let occupied = 0;
    for (let i = 0; i < capacity; i++) if (state.keysA[i] !== EMPTY) occupied++;
    // A table more than half full would break the growth rule; a full one would probe forever.
    expectState(
      isCount(state.used) && state.used === occupied && state.used * 2 <= capacity,
      'pair counts: used does not match the table',
    );
    const items = state.degree?.length ?? 0;
    expectState(
      isArrayOf(state.degree, Uint32Array) &&
        isArrayOf(state.listCapacity, Uint32Array, items) &&
        isArrayOf(state.neighbours, Uint32Array, sum(state.degree)) &&
        allBelow(state.neighbours, items),
      'pair counts: neighbour lists',
    );
    const out = new PairCounts(16);
    out.capacity = capacity;
    out.mask = capacity - 1;
    out.keysA = state.keysA;
    out.keysB = state.keysB;
    out.values = state.values;
    out.used = state.used;
    let at = 0;
    for (let a = 0; a < items; a++) {
      const cap = state.listCapacity[a]!;
      const d = state.degree[a]!;
      expectState(d <= cap, `pair counts: item ${a} holds more neighbours than its list`);
      if (cap === 0) continue;
      const list = new Uint32Array(cap);
      list.set(state.neighbours.subarray(at, at + d));
      out.neighbours[a] = list;
      out.degree[a] = d;
      at += d;
    }
    return out;
  }

  /** A copy of the state, consistent as of the call. O(capacity + neighbours). */
  exportState(): PairCountsState {
    const items = this.neighbours.length;
    const degree = new Uint32Array(items);
    const listCapacity = new Uint32Array(items);
    let total = 0;
    for (let a = 0; a < items; a++) {
      const list = this.neighbours[a];
      if (list === undefined) continue;
      degree[a] = this.degree[a]!;
      listCapacity[a] = list.length;
      total += degree[a]!;
    }
    const neighbours = new Uint32Array(total);
    let at = 0;
    for (let a = 0; a < items; a++) {
      const list = this.neighbours[a];
      if (list === undefined) continue;
      neighbours.set(list.subarray(0, degree[a]), at);
      at += degree[a]!;
    }
    return {
      used: this.used,
      keysA: this.keysA.slice(),
      keysB: this.keysB.slice(),
      values: this.values.slice(),
      degree,
      listCapacity,
      neighbours,
    };
  }

  /** Number of distinct unordered pairs held. */
  get size(): number {
    return this.used;
  }

  /** Bytes held by the table and the neighbour lists. */
  bytes(): number {
    let n = this.capacity * 12;
    for (const list of this.neighbours) if (list !== undefined) n += list.byteLength;
    return n;
  }

  /** Adds `w` to the count of {a, b}. Amortised O(1). */
  add(x: number, y: number, w: number): void {
    const a = x < y ? x : y;
    const b = x < y ? y : x;
    let slot = this.slot(a, b);
    if (this.keysA[slot] === EMPTY) {
      if ((this.used + 1) * 2 > this.capacity) {
        this.grow();
        slot = this.slot(a, b);
      }
      this.keysA[slot] = a;
      this.keysB[slot] = b;
      this.used++;
      this.link(a, b);
      if (a !== b) this.link(b, a);
    }
    this.values[slot] = this.values[slot]! + w;
  }

  /** Count of {a, b}, 0 when never seen. */
  get(x: number, y: number): number {
    const a = x < y ? x : y;
    const b = x < y ? y : x;
    const slot = this.slot(a, b);
    return this.keysA[slot] === EMPTY ? 0 : this.values[slot]!;
  }

  /** Items seen with `a`; a view of an internal buffer, valid until the next `add`. */
  neighboursOf(a: number): Uint32Array {
    const list = this.neighbours[a];
    if (list === undefined) return new Uint32Array(0);
    return list.subarray(0, this.degree[a]);
  }

  /**
   * Renumbers item ids (engine/retention.ts): `map[id]` is the new id of `id`, 0 when dropped,
   * kept ids in their old order. Pairs with a dropped item go; kept pairs keep their counts under
   * the new ids, and since new ids ascend with old ones each stays stored as (min, max). The
   * table is rebuilt at the smallest power of two that keeps it at most half full (the growth
   * rule), and the neighbour lists keep their first-seen order, each reallocated to the length
   * doubling from 4 gives it when it lost entries. O(capacity + neighbours).
   */
  remap(map: Uint32Array): void {
    const oldA = this.keysA;
    const oldB = this.keysB;
    const oldV = this.values;
    let kept = 0;
    for (let i = 0; i < oldA.length; i++) {
      const a = oldA[i]!;
      if (a !== EMPTY && (map[a] ?? 0) !== 0 && (map[oldB[i]!] ?? 0) !== 0) kept++;
    }
    let capacity = 16;
    while (kept * 2 > capacity) capacity *= 2;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.keysA = new Uint32Array(capacity).fill(EMPTY);
    this.keysB = new Uint32Array(capacity);
    this.values = new Float32Array(capacity);
    this.used = kept;
    for (let i = 0; i < oldA.length; i++) {
      const a = oldA[i]!;
      if (a === EMPTY) continue;
      const ta = map[a] ?? 0;
      const tb = map[oldB[i]!] ?? 0;
      if (ta === 0 || tb === 0) continue;
      const slot = this.slot(ta, tb);
      this.keysA[slot] = ta;
      this.keysB[slot] = tb;
      this.values[slot] = oldV[i]!;
    }
    const lists: Uint32Array[] = [];
    const degree: number[] = [];
    const items = Math.min(this.neighbours.length, map.length);
    for (let a = 1; a < items; a++) {
      const list = this.neighbours[a];
      const to = map[a]!;
      if (list === undefined || to === 0) continue;
      const d = this.degree[a]!;
      let n = 0;
      for (let j = 0; j < d; j++) {
        const b = map[list[j]!] ?? 0;
        if (b !== 0) list[n++] = b;
      }
      // An item whose every neighbour went holds no list, as if it had never paired.
      if (n === 0) continue;
      let cap = 4;
      while (cap < n) cap *= 2;
      if (n < d && cap < list.length) {
        const fit = new Uint32Array(cap);
        fit.set(list.subarray(0, n));
        lists[to] = fit;
      } else {
        lists[to] = list;
      }
      degree[to] = n;
    }
    this.neighbours = lists;
    this.degree = degree;
  }

  private slot(a: number, b: number): number {
    // Murmur3-style mixing of both halves keeps clustered dense ids apart.
    let h = Math.imul(a, 0xcc9e2d51) ^ Math.imul(b ^ (b >>> 16), 0x1b873593);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    let slot = h & this.mask;
    const keysA = this.keysA;
    const keysB = this.keysB;
    while (keysA[slot] !== EMPTY && (keysA[slot] !== a || keysB[slot] !== b)) {
      slot = (slot + 1) & this.mask;
    }
    return slot;
  }

  private link(a: number, b: number): void {
    let list = this.neighbours[a];
    const d = this.degree[a] ?? 0;
    if (list === undefined) {
      list = new Uint32Array(4);
      this.neighbours[a] = list;
    } else if (d === list.length) {
      const bigger = new Uint32Array(d * 2);
      bigger.set(list);
      list = bigger;
      this.neighbours[a] = list;
    }
    list[d] = b;
    this.degree[a] = d + 1;
  }

  private grow(): void {
    const oldA = this.keysA;
    const oldB = this.keysB;
    const oldV = this.values;
    this.capacity *= 2;
    this.mask = this.capacity - 1;
    this.keysA = new Uint32Array(this.capacity).fill(EMPTY);
    this.keysB = new Uint32Array(this.capacity);
    this.values = new Float32Array(this.capacity);
    for (let i = 0; i < oldA.length; i++) {
      const a = oldA[i]!;
      if (a === EMPTY) continue;
      const slot = this.slot(a, oldB[i]!);
      this.keysA[slot] = a;
      this.keysB[slot] = oldB[i]!;
      this.values[slot] = oldV[i]!;
    }
  }
}

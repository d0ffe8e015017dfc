/**
 * Item-to-item transition counts (a clicked, then b next), online. Per item a block of
 * interleaved (b, count) pairs in one shared slab, contiguous for scoring: a typed array per item
 * cost about 100 bytes of heap each, which a flood of new items turned into most of the part.
 * Most out-degrees are small and a linear scan finds b fastest; popular items collect hundreds of
 * successors, so past SCAN_LIMIT an open-addressing index of b → position, one per such list,
 * finds it instead. One small index per list rather than one shared (a, b) table: a probe
 * touches a's index and then a's list, which the count update touches anyway, instead of three
 * arrays spread over the whole table.
 */
import { AisleError } from '../errors.js';
import { expectState, isArrayOf, sum } from '../snapshot/check.js';
import { U32Slab } from './u32-slab.js';

/** What a snapshot keeps of the counts, successors in their original order. */
export interface TransitionsState {
  /** Per item a (0 .. items-1): distinct successors. */
  degree: Uint32Array;
  /** Per item a: steps out of a (the sum of its counts). */
  total: Float64Array;
  /** Every item's (b, count) pairs, item by item, `degree[a]` pairs each. */
  pairs: Uint32Array;
}

const SCAN_LIMIT = 16;

export class Transitions {
  /** Every item's pairs: item a's `degree[a]` pairs at `listAt[a]`, in a block of `listCap[a]` u32. */
  private lists = new U32Slab();
  private listAt = new Uint32Array(0);
  private listCap = new Uint32Array(0);
  private degree = new Uint32Array(0);
  /** Per item a: steps out of a (the sum of its counts). */
  private total = new Float64Array(0);
  /** Items a with a list (or a slot for one): one past the largest. */
  private items = 0;
  // Per item a with more than SCAN_LIMIT successors: `indexSize[a]` slots at `indexAt[a]` in
  // `slots`, each a pair's position in a's list + 1 (0 is empty), by a hash of b, half full at
  // most; size 0 for the other items. In one slab rather than an array each, so a probe reads
  // no array object first.
  private slots = new U32Slab(1024, true);
  private indexAt = new Uint32Array(0);
  private indexSize = new Uint32Array(0);

  /**
   * Restores counts from `exportState`. With `items`, every successor must be below it. Throws
   * AisleError('AISLE_SNAPSHOT') when the arrays disagree. O(pairs).
   */
  static fromState(state: TransitionsState, items = Infinity): Transitions {
    expectState(typeof state === 'object' && state !== null, 'transitions: not an object');
    const n = state.degree?.length ?? 0;
    expectState(
      isArrayOf(state.degree, Uint32Array) &&
        isArrayOf(state.total, Float64Array, n) &&
        isArrayOf(state.pairs, Uint32Array, 2 * sum(state.degree)),
      'transitions: array lengths',
    );
    const out = new Transitions();
    out.ensure(n - 1);
    out.items = n;
    out.lists = new U32Slab(Math.max(1024, state.pairs.length));
    let at = 0;
    for (let a = 0; a < n; a++) {
      const d = state.degree[a]!;
      const list = state.pairs.subarray(at, at + 2 * d);
      let steps = 0;
      let ok = true;
      for (let i = 0; i < list.length; i += 2) {
        ok &&= list[i]! < items && list[i + 1]! > 0;
        steps += list[i + 1]!;
      }
      expectState(ok, `transitions: successors of item ${a}`);
      expectState(steps === state.total[a], `transitions: total of item ${a}`);
      if (d > 0) {
        const block = out.lists.alloc(2 * d);
        out.lists.data.set(list, block);
        out.listAt[a] = block;
        out.listCap[a] = 2 * d;
      }
      out.degree[a] = d;
      out.total[a] = steps;
      if (d > SCAN_LIMIT) out.buildIndex(a, list, d);
      at += 2 * d;
    }
    return out;
  }

  /** A copy of the counts. O(pairs). */
  exportState(): TransitionsState {
    const degree = this.degree.slice(0, this.items);
    const pairs = new Uint32Array(2 * sum(degree));
    let at = 0;
    for (let a = 0; a < degree.length; a++) {
      pairs.set(this.successors(a), at);
      at += 2 * degree[a]!;
    }
    return { degree, total: this.total.slice(0, this.items), pairs };
  }

  /** Bytes held (allocated, so doubling slack included). */
  bytes(): number {
    const b =
      this.lists.data.byteLength +
      this.listAt.byteLength +
      this.listCap.byteLength +
      this.degree.byteLength +
      this.total.byteLength +
      this.slots.data.byteLength +
      this.indexAt.byteLength +
      this.indexSize.byteLength;
    return b;
  }

  /** Counts one a → b step. Self-steps (a reload of the same item) are counted too. */
  add(a: number, b: number): void {
    if (a >= this.items) {
      this.ensure(a);
      this.items = a + 1;
    }
    const d = this.degree[a]!;
    this.total[a]! += 1;
    let data = this.lists.data;
    let at = this.listAt[a]!;
    // The empty slot where b goes when it is new (lists past SCAN_LIMIT).
    let slot = -1;
    if (d <= SCAN_LIMIT) {
      for (let i = at; i < at + 2 * d; i += 2) {
        if (data[i] === b) {
          data[i + 1]! += 1;
          return;
        }
      }
    } else {
      const index = this.slots.data;
      const base = this.indexAt[a]!;
      const mask = this.indexSize[a]! - 1;
      let s = hashB(b) & mask;
      for (let p = index[base + s]!; p !== 0; p = index[base + s]!) {
        if (data[at + 2 * p - 2] === b) {
          data[at + 2 * p - 1]! += 1;
          return;
        }
        s = (s + 1) & mask;
      }
      slot = base + s;
    }
    const cap = this.listCap[a]!;
    if (2 * d === cap) {
      const grown = Math.max(8, cap * 2);
      const to = this.lists.alloc(grown);
      // Read `data` after alloc: it may have replaced the array.
      data = this.lists.data;
      if (cap > 0) {
        data.copyWithin(to, at, at + 2 * d);
        this.lists.release(at, cap);
      }
      this.listAt[a] = at = to;
      this.listCap[a] = grown;
    }
    data[at + 2 * d] = b;
    data[at + 2 * d + 1] = 1;
    this.degree[a] = d + 1;
    if (d < SCAN_LIMIT) return;
    // The list outgrows the scan, or its index would pass half full: (re)build it.
    if (slot < 0 || 2 * (d + 1) > this.indexSize[a]!) {
      this.buildIndex(a, data.subarray(at, at + 2 * (d + 1)), d + 1);
    } else this.slots.data[slot] = d + 1;
  }

  /**
   * Takes back one a → b step, because the stored session that made it is forgotten. The pair
   * stays at its place until `remap` removes the pairs whose count fell to 0. Throws
   * AisleError('AISLE_INVALID_ARGUMENT') when there is no such step to take back.
   */
  subtract(a: number, b: number): void {
    const i = this.position(a, b);
    const at = i < 0 ? 0 : this.listAt[a]! + 2 * i + 1;
    if (i < 0 || this.lists.data[at] === 0) {
      throw new AisleError(
        'AISLE_INVALID_ARGUMENT',
        `transitions: no step ${a} → ${b} to take back`,
      );
    }
    this.lists.data[at]! -= 1;
    this.total[a]! -= 1;
  }

  /**
   * Renumbers items (a retention compaction) and removes the pairs whose count fell to 0: with
   * `items`, a becomes `items[a]` and b `items[b]`, and every pair with an end mapped to 0 goes
   * (so do its steps from the total). Successors keep their order. The lists go back to back
   * into a new slab, the layout `fromState` builds, and the index is rebuilt to fit.
   * O(items + pairs).
   */
  remap(items?: ArrayLike<number>): void {
    const oldData = this.lists.data;
    const oldAt = this.listAt;
    const oldDegree = this.degree;
    const n = this.items;
    const kept = new Uint32Array(n);
    let pairs = 0;
    let count = 0;
    for (let a = 0; a < n; a++) {
      const to = items === undefined ? a : (items[a] ?? 0);
      if (items !== undefined && to === 0) continue;
      const at = oldAt[a]!;
      let c = 0;
      for (let i = at; i < at + 2 * oldDegree[a]!; i += 2) {
        if (oldData[i + 1] !== 0 && (items === undefined || items[oldData[i]!] !== 0)) c++;
      }
      kept[a] = c;
      pairs += c;
      if (c > 0 && to + 1 > count) count = to + 1;
    }
    this.lists = new U32Slab(Math.max(1024, 2 * pairs));
    this.listAt = new Uint32Array(0);
    this.listCap = new Uint32Array(0);
    this.degree = new Uint32Array(0);
    this.total = new Float64Array(0);
    this.slots = new U32Slab(1024, true);
    this.indexAt = new Uint32Array(0);
    this.indexSize = new Uint32Array(0);
    this.items = 0;
    if (count > 0) this.ensure(count - 1);
    this.items = count;
    const data = (): Uint32Array => this.lists.data;
    for (let a = 0; a < n; a++) {
      const d = kept[a]!;
      if (d === 0) continue;
      const to = items === undefined ? a : items[a]!;
      const block = this.lists.alloc(2 * d);
      const out = data();
      const from = oldAt[a]!;
      let w = block;
      let steps = 0;
      for (let i = from; i < from + 2 * oldDegree[a]!; i += 2) {
        const c = oldData[i + 1]!;
        if (c === 0) continue;
        let b = oldData[i]!;
        if (items !== undefined) {
          b = items[b]!;
          if (b === 0) continue;
        }
        out[w++] = b;
        out[w++] = c;
        steps += c;
      }
      this.listAt[to] = block;
      this.listCap[to] = 2 * d;
      this.degree[to] = d;
      if (d > SCAN_LIMIT) this.buildIndex(to, out.subarray(block, block + 2 * d), d);
      this.total[to] = steps;
    }
  }

  /** Position of b in a's successors, or -1. */
  private position(a: number, b: number): number {
    if (a >= this.items) return -1;
    const d = this.degree[a]!;
    const data = this.lists.data;
    const at = this.listAt[a]!;
    if (d <= SCAN_LIMIT) {
      for (let i = 0; i < d; i++) if (data[at + 2 * i] === b) return i;
      return -1;
    }
    const index = this.slots.data;
    const base = this.indexAt[a]!;
    const mask = this.indexSize[a]! - 1;
    let s = hashB(b) & mask;
    for (let p = index[base + s]!; p !== 0; p = index[base + s]!) {
      if (data[at + 2 * p - 2] === b) return p - 1;
      s = (s + 1) & mask;
    }
    return -1;
  }

  /** Number of steps out of `a`. */
  outCount(a: number): number {
    return a < this.items ? this.total[a]! : 0;
  }

  /** Count of a → b (linear in the out-degree of a; for tests and explanations). */
  count(a: number, b: number): number {
    const list = this.successors(a);
    for (let i = 0; i < list.length; i += 2) if (list[i] === b) return list[i + 1]!;
    return 0;
  }

  /** Interleaved (b, count) pairs out of `a`, as a view: do not keep it. */
  successors(a: number): Uint32Array {
    if (!(a < this.items) || this.degree[a] === 0) return EMPTY;
    const at = this.listAt[a]!;
    return this.lists.data.subarray(at, at + 2 * this.degree[a]!);
  }

  /** Grows the per-item arrays to hold item `a`. */
  private ensure(a: number): void {
    if (a < this.degree.length) return;
    const n = Math.max(a + 1, this.degree.length * 2, 1024);
    const grow = <T extends Uint32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const out = make(n);
      out.set(old);
      return out;
    };
    this.listAt = grow(this.listAt, (k) => new Uint32Array(k));
    this.listCap = grow(this.listCap, (k) => new Uint32Array(k));
    this.degree = grow(this.degree, (k) => new Uint32Array(k));
    this.total = grow(this.total, (k) => new Float64Array(k));
    this.indexAt = grow(this.indexAt, (k) => new Uint32Array(k));
    this.indexSize = grow(this.indexSize, (k) => new Uint32Array(k));
  }

  /**
   * Builds item a's index of the first `d` successors of `list`, at most half full, in place
   * of the one it had (see `indexAt`).
   */
  private buildIndex(a: number, list: Uint32Array, d: number): void {
    let size = 64;
    while (size < 4 * d) size *= 2;
    if (this.indexSize[a]! > 0) this.slots.release(this.indexAt[a]!, this.indexSize[a]!);
    const base = this.slots.alloc(size);
    const index = this.slots.data;
    const mask = size - 1;
    for (let i = 0; i < d; i++) {
      let s = hashB(list[2 * i]!) & mask;
      while (index[base + s] !== 0) s = (s + 1) & mask;
      index[base + s] = i + 1;
    }
    this.indexAt[a] = base;
    this.indexSize[a] = size;
  }
}

const EMPTY = new Uint32Array(0);

function hashB(b: number): number {
  let h = Math.imul(b ^ (b >>> 16), 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}

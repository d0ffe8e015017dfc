/**
 * Many growable lists of u32 under dense u32 keys (item → session ids). Every list is a block in
 * one shared slab, found through per-key start, length and capacity arrays: a typed array per key
 * cost over 200 bytes of heap each (300k keys of one element: 68 MB), which a flood of new ids
 * turned into most of the model.
 * Blocks double on overflow (powers of two, so released blocks are reused by the next list to
 * grow to that size), so appends are amortised O(1) and a list's tail is a zero-copy view.
 * `fromState` and `remap` lay the lists back to back, each block exactly its length; a list's
 * first append then moves it to a power-of-two block and returns the old one in power-of-two
 * pieces.
 */
import { expectState, isArrayOf, sum } from '../snapshot/check.js';
import { U32Slab } from './u32-slab.js';

/** What a snapshot keeps of the lists: their lengths and their elements back to back. */
export interface U32ListsState {
  /** Per key (0 .. keys-1): elements held. */
  lengths: Uint32Array;
  /** Every key's elements, key by key, `lengths[key]` each. */
  values: Uint32Array;
}

/** Smallest block a list grows into (u32). */
const MIN_BLOCK = 4;
/** Smallest length of the per-key arrays. */
const MIN_KEYS = 64;
/** Heap bytes per entry of the slab's free lists (a JS array of small integers). */
const FREE_ENTRY_BYTES = 8;

export class U32Lists {
  /** Every list's elements: key k's `lengths[k]` at `starts[k]`, in a block of `caps[k]` u32. */
  private slab = new U32Slab(0);
  private starts = new Uint32Array(0);
  private lengths = new Uint32Array(0);
  private caps = new Uint32Array(0);
  /** Keys with storage: the per-key arrays may be longer. */
  private count = 0;
  /** Blocks in the slab's free lists (released, not yet reused), for `bytes()`. */
  private freeBlocks = 0;

  /**
   * Restores lists from `exportState`, copying the elements into the slab, so the state is not
   * modified and can be restored again. Throws AisleError('AISLE_SNAPSHOT') when the lengths do
   * not add up. O(keys + elements).
   */
  static fromState(state: U32ListsState, what = 'lists'): U32Lists {
    expectState(typeof state === 'object' && state !== null, `${what}: not an object`);
    expectState(
      isArrayOf(state.lengths, Uint32Array) &&
        isArrayOf(state.values, Uint32Array, sum(state.lengths)),
      `${what}: lengths do not match the values`,
    );
    const out = new U32Lists();
    const keys = state.lengths.length;
    out.resize(keys);
    out.count = keys;
    // The state's layout is the slab's: one block for all, carved at each list's start.
    out.slab = new U32Slab(state.values.length);
    const base = out.slab.alloc(state.values.length);
    out.slab.data.set(state.values, base);
    out.lengths.set(state.lengths);
    out.caps.set(state.lengths);
    let at = base;
    for (let key = 0; key < keys; key++) {
      out.starts[key] = at;
      at += state.lengths[key]!;
    }
    return out;
  }

  /** A copy of the lists. O(keys + elements). */
  exportState(): U32ListsState {
    const keys = this.count;
    const lengths = this.lengths.slice(0, keys);
    const values = new Uint32Array(sum(lengths));
    const data = this.slab.data;
    let at = 0;
    for (let key = 0; key < keys; key++) {
      const n = lengths[key]!;
      if (n === 0) continue;
      const start = this.starts[key]!;
      values.set(data.subarray(start, start + n), at);
      at += n;
    }
    return { lengths, values };
  }

  /** Number of keys with storage (the largest key seen + 1). */
  get keys(): number {
    return this.count;
  }

  /**
   * Bytes held by the lists: the slab (allocated, so doubling slack and released blocks
   * included), the per-key arrays, and an estimate of the slab's free lists.
   */
  bytes(): number {
    return (
      this.slab.data.byteLength +
      this.starts.byteLength +
      this.lengths.byteLength +
      this.caps.byteLength +
      this.freeBlocks * FREE_ENTRY_BYTES
    );
  }

  /** Length of the list under `key` (0 for a key never seen). */
  length(key: number): number {
    return key < this.count ? this.lengths[key]! : 0;
  }

  /** Last element of the list under `key`, or -1 when it is empty. */
  last(key: number): number {
    const n = this.length(key);
    return n === 0 ? -1 : this.slab.data[this.starts[key]! + n - 1]!;
  }

  /** Appends `value` to the list under `key`. Amortised O(1). */
  push(key: number, value: number): void {
    if (key >= this.count) this.ensureKey(key);
    const n = this.lengths[key]!;
    const at = n === this.caps[key] ? this.grow(key, n) : this.starts[key]!;
    // Read `data` after grow: it may have replaced the array.
    this.slab.data[at + n] = value;
    this.lengths[key] = n + 1;
  }

  /** The last `max` elements under `key` (all of them when fewer), as a view: do not keep it. */
  tail(key: number, max: number): Uint32Array {
    const n = this.length(key);
    if (n === 0) return EMPTY;
    const start = this.starts[key]!;
    // Written so that a NaN `max` gives the whole list, as `subarray(NaN)` did.
    const skip = n - max > 0 ? n - max : 0;
    return this.slab.data.subarray(start + skip, start + n);
  }

  /**
   * Renumbers keys and values in one pass (a retention compaction). With `keys`, the list under
   * `key` moves to `keys[key]`, or goes when that is 0. With `values`, each element `v` becomes
   * `values[v] - 1`, or leaves its list when `values[v]` is 0 (values may be 0 themselves, hence
   * the offset); an element equal to the one kept before it then goes too, since the lists' user
   * (item → sessions) never pushes a value twice in a row. Lists keep their order, and the key
   * count becomes the last non-empty key + 1: the lists are what pushing only the kept elements
   * would have made. The kept elements go back to back into a new slab that fits them, each
   * list's block exactly its length, the layout `fromState` builds. O(keys + elements).
   */
  remap(keys?: ArrayLike<number>, values?: ArrayLike<number>): void {
    const old = this.slab.data;
    const oldStarts = this.starts;
    const oldLengths = this.lengths;
    const n = this.count;
    const counts = new Uint32Array(n);
    let total = 0;
    let count = 0;
    for (let key = 0; key < n; key++) {
      const to = keys === undefined ? key : (keys[key] ?? 0);
      if (keys !== undefined && to === 0) continue;
      const start = oldStarts[key]!;
      const len = oldLengths[key]!;
      let c = len;
      if (values !== undefined) {
        c = 0;
        let last = 0;
        for (let i = start; i < start + len; i++) {
          const v = values[old[i]!]!;
          if (v !== 0 && v !== last) c++;
          if (v !== 0) last = v;
        }
      }
      counts[key] = c;
      total += c;
      if (c > 0 && to + 1 > count) count = to + 1;
    }
    const slab = new U32Slab(total);
    const base = slab.alloc(total);
    const flat = slab.data;
    this.slab = slab;
    this.freeBlocks = 0;
    this.starts = new Uint32Array(0);
    this.lengths = new Uint32Array(0);
    this.caps = new Uint32Array(0);
    this.resize(Math.max(count, MIN_KEYS));
    this.count = count;
    let at = base;
    for (let key = 0; key < n; key++) {
      const c = counts[key]!;
      if (c === 0) continue;
      const to = keys === undefined ? key : keys[key]!;
      const from = oldStarts[key]!;
      const start = at;
      if (values === undefined) {
        flat.set(old.subarray(from, from + c), at);
        at += c;
      } else {
        const len = oldLengths[key]!;
        let last = 0;
        for (let i = from; i < from + len; i++) {
          const v = values[old[i]!]!;
          if (v !== 0 && v !== last) flat[at++] = v - 1;
          if (v !== 0) last = v;
        }
      }
      this.starts[to] = start;
      this.lengths[to] = c;
      this.caps[to] = c;
    }
  }

  /**
   * Moves the full list under `key` (`n` elements) to a block twice as large (the next power of
   * two), releases its old block, and returns the new start.
   */
  private grow(key: number, n: number): number {
    const cap = this.caps[key]!;
    const size = cap < MIN_BLOCK ? MIN_BLOCK : 2 ** (32 - Math.clz32(cap));
    const top = this.slab.top;
    const to = this.slab.alloc(size);
    if (to < top) this.freeBlocks--;
    if (cap > 0) {
      const from = this.starts[key]!;
      this.slab.data.copyWithin(to, from, from + n);
      this.release(from, cap);
    }
    this.starts[key] = to;
    this.caps[key] = size;
    return to;
  }

  /**
   * Returns the block of `size` u32 at `at` to the slab: whole when its size is a power of two,
   * else in power-of-two pieces, largest first, so that a block `fromState` or `remap` cut to a
   * list's length can be reused too. Pieces below MIN_BLOCK are never asked for: they are left.
   */
  private release(at: number, size: number): void {
    if (size >= MIN_BLOCK && (size & (size - 1)) === 0) {
      this.slab.release(at, size);
      this.freeBlocks++;
      return;
    }
    for (let piece = 2 ** (31 - Math.clz32(size)); piece >= MIN_BLOCK; piece /= 2) {
      if (size < piece) continue;
      this.slab.release(at, piece);
      this.freeBlocks++;
      at += piece;
      size -= piece;
    }
  }

  private ensureKey(key: number): void {
    if (key >= this.lengths.length) {
      this.resize(Math.max(key + 1, this.lengths.length * 2, MIN_KEYS));
    }
    this.count = key + 1;
  }

  /** Grows the per-key arrays to `n` (at least their length) keys; new keys have empty lists. */
  private resize(n: number): void {
    const grow = (a: Uint32Array): Uint32Array<ArrayBuffer> => {
      const out = new Uint32Array(n);
      out.set(a);
      return out;
    };
    this.starts = grow(this.starts);
    this.lengths = grow(this.lengths);
    this.caps = grow(this.caps);
  }
}

const EMPTY = new Uint32Array(0);

/**
 * Many growable lists of u32 under dense u32 keys (item → session ids). One typed array per key,
 * doubled on overflow, so appends are amortised O(1) and a list's tail is a zero-copy view.
 */
import { expectState, isArrayOf, sum } from '../snapshot/check.js';

/** What a snapshot keeps of the lists: their lengths and their elements back to back. */
export interface U32ListsState {
  /** Per key (0 .. keys-1): elements held. */
  lengths: Uint32Array;
  /** Every key's elements, key by key, `lengths[key]` each. */
  values: Uint32Array;
}

export class U32Lists {
  private lists: Uint32Array[] = [];
  private lengths = new Uint32Array(0);

  /**
   * Restores lists from `exportState`. Each list is a view over `values` until its first append
   * outgrows it, and appends never write inside a view, so the state stays unmodified and can be
   * restored again. Throws AisleError('AISLE_SNAPSHOT') when the lengths do not add up. O(keys).
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
    out.lengths = state.lengths.slice();
    let at = 0;
    for (let key = 0; key < keys; key++) {
      const n = state.lengths[key]!;
      out.lists.push(n === 0 ? EMPTY : state.values.subarray(at, at + n));
      at += n;
    }
    return out;
  }

  /** A copy of the lists. O(keys + elements). */
  exportState(): U32ListsState {
    const keys = this.lists.length;
    const lengths = this.lengths.slice(0, keys);
    const values = new Uint32Array(sum(lengths));
    let at = 0;
    for (let key = 0; key < keys; key++) {
      const n = lengths[key]!;
      if (n > 0) values.set(this.lists[key]!.subarray(0, n), at);
      at += n;
    }
    return { lengths, values };
  }

  /** Number of keys with storage (the largest key seen + 1). */
  get keys(): number {
    return this.lists.length;
  }

  /** Bytes held by the lists (allocated, so doubling slack included). */
  bytes(): number {
    let b = this.lengths.byteLength + this.lists.length * 8;
    for (const list of this.lists) b += list.byteLength;
    return b;
  }

  /** Length of the list under `key` (0 for a key never seen). */
  length(key: number): number {
    return key < this.lists.length ? this.lengths[key]! : 0;
  }

  /** Last element of the list under `key`, or -1 when it is empty. */
  last(key: number): number {
    const n = this.length(key);
    return n === 0 ? -1 : this.lists[key]![n - 1]!;
  }

  /** Appends `value` to the list under `key`. */
  push(key: number, value: number): void {
    this.ensureKey(key);
    const n = this.lengths[key]!;
    let list = this.lists[key]!;
    if (n === list.length) {
      const grown = new Uint32Array(Math.max(4, list.length * 2));
      grown.set(list);
      this.lists[key] = list = grown;
    }
    list[n] = value;
    this.lengths[key] = n + 1;
  }

  /** The last `max` elements under `key` (all of them when fewer), as a view: do not keep it. */
  tail(key: number, max: number): Uint32Array {
    const n = this.length(key);
    if (n === 0) return EMPTY;
    return this.lists[key]!.subarray(Math.max(0, n - max), n);
  }

  private ensureKey(key: number): void {
    if (key < this.lists.length) return;
    if (key >= this.lengths.length) {
      const grown = new Uint32Array(Math.max(key + 1, this.lengths.length * 2, 64));
      grown.set(this.lengths);
      this.lengths = grown;
    }
    while (this.lists.length <= key) this.lists.push(EMPTY);
  }
}

const EMPTY = new Uint32Array(0);

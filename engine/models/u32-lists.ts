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

  /**
   * Renumbers keys and values in one pass (a retention compaction). With `keys`, the list under
   * `key` moves to `keys[key]`, or goes when that is 0. With `values`, each element `v` becomes
   * `values[v] - 1`, or leaves its list when `values[v]` is 0 (values may be 0 themselves, hence
   * the offset); an element equal to the one kept before it then goes too, since the lists' user
   * (item → sessions) never pushes a value twice in a row. Lists keep their order, and the key
   * count becomes the last non-empty key + 1: the lists are what pushing only the kept elements
   * would have made. The kept elements go back to back into one buffer that each list views,
   * the layout `fromState` builds, so memory fits them. O(keys + elements).
   */
  remap(keys?: ArrayLike<number>, values?: ArrayLike<number>): void {
    const old = this.lists;
    const oldLengths = this.lengths;
    const counts = new Uint32Array(old.length);
    let total = 0;
    let count = 0;
    for (let key = 0; key < old.length; key++) {
      const to = keys === undefined ? key : (keys[key] ?? 0);
      if (keys !== undefined && to === 0) continue;
      const list = old[key]!;
      const n = oldLengths[key]!;
      let c = n;
      if (values !== undefined) {
        c = 0;
        let last = 0;
        for (let i = 0; i < n; i++) {
          const v = values[list[i]!]!;
          if (v !== 0 && v !== last) c++;
          if (v !== 0) last = v;
        }
      }
      counts[key] = c;
      total += c;
      if (c > 0 && to + 1 > count) count = to + 1;
    }
    const flat = new Uint32Array(total);
    const lists: Uint32Array[] = new Array<Uint32Array>(count).fill(EMPTY);
    const lengths = new Uint32Array(Math.max(count, 64));
    let at = 0;
    for (let key = 0; key < old.length; key++) {
      const c = counts[key]!;
      if (c === 0) continue;
      const to = keys === undefined ? key : keys[key]!;
      const list = old[key]!;
      const start = at;
      if (values === undefined) {
        flat.set(list.subarray(0, c), at);
        at += c;
      } else {
        const n = oldLengths[key]!;
        let last = 0;
        for (let i = 0; i < n; i++) {
          const v = values[list[i]!]!;
          if (v !== 0 && v !== last) flat[at++] = v - 1;
          if (v !== 0) last = v;
        }
      }
      lists[to] = flat.subarray(start, at);
      lengths[to] = c;
    }
    this.lists = lists;
    this.lengths = lengths;
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

/**
 * Many growable lists of u32 under dense u32 keys (item → session ids). One typed array per key,
 * doubled on overflow, so appends are amortised O(1) and a list's tail is a zero-copy view.
 */
export class U32Lists {
  private lists: Uint32Array[] = [];
  private lengths = new Uint32Array(0);

  /** Number of keys with storage (the largest key seen + 1). */
  get keys(): number {
    return this.lists.length;
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

/**
 * Blocks of u32 carved from one growable array, for models that keep many small variable-length
 * tables or lists (the user history's per-user tables, the co-occurrence neighbour lists) without
 * an object per block. A released block is reused by the next request of the same size; sizes are
 * powers of two, so few sizes occur and the free lists stay short.
 */
export class U32Slab {
  data: Uint32Array;
  /** End of the carved part of `data`. */
  top = 0;
  private readonly free = new Map<number, number[]>();

  /**
   * @param capacity initial length of `data`
   * @param zeroReused clear a reused block (callers that read a fresh block as empty need it)
   */
  constructor(
    capacity = 1024,
    private readonly zeroReused = false,
  ) {
    this.data = new Uint32Array(capacity);
  }

  /** Offset of a block of `size` u32 in `data` (which may be replaced by a larger array). */
  alloc(size: number): number {
    const reused = this.free.get(size)?.pop();
    if (reused !== undefined) {
      if (this.zeroReused) this.data.fill(0, reused, reused + size);
      return reused;
    }
    if (this.top + size > this.data.length) {
      const grown = new Uint32Array(Math.max(this.top + size, this.data.length * 2));
      grown.set(this.data.subarray(0, this.top));
      this.data = grown;
    }
    const at = this.top;
    this.top += size;
    return at;
  }

  /** Returns a block of `size` u32 at `at` for reuse. */
  release(at: number, size: number): void {
    let list = this.free.get(size);
    if (list === undefined) {
      list = [];
      this.free.set(size, list);
    }
    list.push(at);
  }
}

/**
 * Growable typed-array column builders for the open chunk of the log.
 *
 * Capacity doubles up to the chunk size and never past it, so a full chunk is exactly one
 * allocation that Arrow can wrap as is (zero copy) when the chunk is sealed.
 */

export type NumericArray = Uint8Array | Int32Array | Uint32Array | Float32Array;

export interface NumericArrayConstructor<T extends NumericArray> {
  new (length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

function grownCapacity(capacity: number, needed: number, max: number): number {
  let next = Math.max(capacity, 1);
  while (next < needed) next *= 2;
  return Math.min(next, max);
}

/**
 * One column of fixed-width numbers. Appends are bulk copies (`TypedArray.set`).
 * Views handed out by `view()` alias the builder's memory until the next append that grows it.
 */
export class ColumnBuilder<T extends NumericArray> {
  private array: T;
  private filled = 0;

  /**
   * @param ctor typed-array class of the column
   * @param capacity initial capacity in rows
   * @param maxCapacity capacity is never grown past this (the chunk size)
   */
  constructor(
    private readonly ctor: NumericArrayConstructor<T>,
    capacity: number,
    private readonly maxCapacity: number,
  ) {
    this.array = new ctor(Math.min(capacity, maxCapacity));
  }

  /** Rows written. */
  get length(): number {
    return this.filled;
  }

  /** Bytes allocated. */
  get capacityBytes(): number {
    return this.array.byteLength;
  }

  /** Copies `src[start, start + count)` to the end; O(count) amortised. */
  append(src: T, start: number, count: number): void {
    const end = this.filled + count;
    if (end > this.array.length) this.grow(end);
    this.array.set(src.subarray(start, start + count) as never, this.filled);
    this.filled = end;
  }

  /** The filled rows, aliasing the builder's memory (zero copy). */
  view(): T {
    return this.array.subarray(0, this.filled) as T;
  }

  /**
   * Hands the filled rows over (for sealing into Arrow) and starts an empty column with
   * `capacity` rows; the returned array is no longer written by the builder.
   */
  take(capacity: number): T {
    const out = this.view();
    this.array = new this.ctor(Math.min(capacity, this.maxCapacity));
    this.filled = 0;
    return out;
  }

  private grow(needed: number): void {
    const next = new this.ctor(grownCapacity(this.array.length, needed, this.maxCapacity));
    next.set(this.array.subarray(0, this.filled) as never);
    this.array = next;
  }
}

/**
 * The int64 epoch-ms column. Values arrive as doubles; writing them as two 32-bit halves avoids a
 * BigInt allocation per event (little-endian, like every platform Node supports and Arrow IPC).
 */
export class TimestampBuilder {
  private i64: BigInt64Array;
  private i32: Int32Array;
  private u32: Uint32Array;
  private filled = 0;

  constructor(
    capacity: number,
    private readonly maxCapacity: number,
  ) {
    this.i64 = new BigInt64Array(0);
    this.i32 = new Int32Array(0);
    this.u32 = new Uint32Array(0);
    this.allocate(Math.min(capacity, maxCapacity));
  }

  get length(): number {
    return this.filled;
  }

  get capacityBytes(): number {
    return this.i64.byteLength;
  }

  /** Appends `src[start, start + count)` (epoch ms, truncated to integers); O(count). */
  append(src: Float64Array, start: number, count: number): void {
    const end = this.filled + count;
    if (end > this.i64.length) this.grow(end);
    const lo = this.u32;
    const hi = this.i32;
    let j = this.filled * 2;
    for (let i = start; i < start + count; i++, j += 2) {
      const ms = Math.trunc(src[i]!);
      const high = Math.floor(ms / 4294967296);
      lo[j] = ms - high * 4294967296;
      hi[j + 1] = high;
    }
    this.filled = end;
  }

  /** Appends int64 values as they are (restoring from Arrow); O(count). */
  appendInt64(src: BigInt64Array): void {
    const end = this.filled + src.length;
    if (end > this.i64.length) this.grow(end);
    this.i64.set(src, this.filled);
    this.filled = end;
  }

  view(): BigInt64Array {
    return this.i64.subarray(0, this.filled);
  }

  take(capacity: number): BigInt64Array {
    const out = this.view();
    this.allocate(Math.min(capacity, this.maxCapacity));
    this.filled = 0;
    return out;
  }

  private allocate(rows: number): void {
    const buffer = new ArrayBuffer(rows * 8);
    this.i64 = new BigInt64Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u32 = new Uint32Array(buffer);
  }

  private grow(needed: number): void {
    const old = this.i64.subarray(0, this.filled);
    this.allocate(grownCapacity(this.i64.length, needed, this.maxCapacity));
    this.i64.set(old);
  }
}

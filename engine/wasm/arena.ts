/**
 * The arena: TypeScript's allocator over the one linear memory the kernels import. Kernels never
 * allocate; everything above the module's static data belongs to the arena.
 *
 * - Persistent heap: `alloc` / `free` / `realloc`, first fit over an address-ordered free list
 *   with coalescing. A free block that reaches the top of the heap is given back to it. The
 *   bookkeeping lives in TypeScript, out of reach of a kernel that writes past its buffer.
 * - Scratch frame: `scratchMark` / `scratch` / `scratchReset`, bump allocation for per-batch data, in chunks
 *   taken from the heap and kept for reuse after a reset.
 * - Views: `f32(ptr, len)` and friends build a fresh typed array over `memory.buffer` on every
 *   call, because growing the memory detaches the old buffer and every view on it. Never keep a
 *   view across an `alloc`, `realloc`, `scratch` or anything else that may grow the memory.
 *
 * Every pointer handed out is 16-byte aligned (v128 loads) and every size is rounded up to 16.
 */
import { AisleError } from '../errors.js';
import type { WasmMemory } from './wasm-api.js';

/** Alignment, in bytes, of every pointer and size the arena hands out. */
export const ARENA_ALIGN = 16;
/** WebAssembly page size in bytes. */
export const PAGE_BYTES = 65536;
/** Largest page count a wasm32 memory can have (4 GiB). */
export const MAX_PAGES = 65536;

const MIN_SCRATCH_CHUNK = 64 * 1024;

/** A position in the scratch frame, from `scratchMark()`, to hand back to `scratchReset()`. */
export interface ScratchMark {
  readonly chunk: number;
  readonly top: number;
}

/** Byte counts describing the arena, for metrics and tests. */
export interface ArenaStats {
  /** First arena byte (16-aligned, above the module's static data). */
  base: number;
  /** End of the persistent heap: bytes at or above it are unused. */
  top: number;
  /** Current size of the linear memory in bytes. */
  capacity: number;
  liveBlocks: number;
  liveBytes: number;
  freeBlocks: number;
  freeBytes: number;
  /** Bytes held by scratch chunks, in use or kept for reuse. */
  scratchBytes: number;
}

interface Block {
  ptr: number;
  size: number;
}

const START: ScratchMark = Object.freeze({ chunk: -1, top: 0 });

function alignUp(n: number): number {
  return Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;
}

function invalid(message: string): AisleError {
  return new AisleError('AISLE_INVALID_ARGUMENT', message);
}

export class Arena {
  readonly memory: WasmMemory;
  /** First byte the arena manages; 16-byte aligned. */
  readonly base: number;
  /** The memory never grows past this many 64 KiB pages. */
  readonly maximumPages: number;

  private heapTop: number;
  private readonly live = new Map<number, number>();
  /** Address-ordered, coalesced; no block touches `heapTop`. */
  private readonly freeList: Block[] = [];
  private readonly chunks: Block[] = [];
  private chunk = START.chunk;
  private chunkTop = START.top;

  /**
   * @param memory the linear memory the kernels import.
   * @param heapBase first byte not used by the module's static data (`heap_base()` export); the
   *   arena starts at the next 16-byte boundary.
   * @param maximumPages growth limit; defaults to the wasm32 limit. Past it, allocations throw
   *   AISLE_OUT_OF_MEMORY.
   */
  constructor(memory: WasmMemory, heapBase: number, maximumPages = MAX_PAGES) {
    if (!Number.isInteger(heapBase) || heapBase < 0)
      throw invalid(`heapBase ${heapBase} is not a byte offset`);
    if (!Number.isInteger(maximumPages) || maximumPages < 1 || maximumPages > MAX_PAGES) {
      throw invalid(`maximumPages ${maximumPages} is not an integer in 1..${MAX_PAGES}`);
    }
    this.memory = memory;
    this.base = alignUp(heapBase);
    this.maximumPages = maximumPages;
    this.heapTop = this.base;
  }

  /**
   * Allocates `bytes` (rounded up to 16, at least 16) from the persistent heap and returns a
   * 16-aligned pointer. Contents are undefined (see `allocZeroed`). May grow the memory.
   * O(free blocks). Throws AISLE_OUT_OF_MEMORY when the memory cannot grow enough.
   */
  alloc(bytes: number): number {
    const size = this.blockSize(bytes);
    const list = this.freeList;
    for (let i = 0; i < list.length; i++) {
      const b = list[i];
      if (b.size < size) continue;
      const ptr = b.ptr;
      if (b.size === size) list.splice(i, 1);
      else {
        b.ptr += size;
        b.size -= size;
      }
      this.live.set(ptr, size);
      return ptr;
    }
    const ptr = this.heapTop;
    this.ensure(ptr + size);
    this.heapTop = ptr + size;
    this.live.set(ptr, size);
    return ptr;
  }

  /** `alloc` followed by filling the block with zeros (counters, sums). O(bytes). */
  allocZeroed(bytes: number): number {
    const ptr = this.alloc(bytes);
    this.u8(ptr, this.live.get(ptr)!).fill(0);
    return ptr;
  }

  /** Returns a block to the heap. Throws AISLE_INVALID_ARGUMENT for a pointer that is not live. */
  free(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) throw invalid(`free(${ptr}): not a live arena allocation`);
    this.live.delete(ptr);
    this.release(ptr, size);
  }

  /**
   * Resizes a live block, keeping its first min(old, new) bytes; bytes past the old size are
   * undefined. Shrinks and grows in place when it can (top of heap, or a free neighbour),
   * otherwise moves: use the returned pointer. O(free blocks + bytes copied).
   */
  realloc(ptr: number, bytes: number): number {
    const old = this.live.get(ptr);
    if (old === undefined) throw invalid(`realloc(${ptr}): not a live arena allocation`);
    const size = this.blockSize(bytes);
    if (size === old) return ptr;
    if (size < old) {
      this.live.set(ptr, size);
      this.release(ptr + size, old - size);
      return ptr;
    }
    const end = ptr + old;
    if (end === this.heapTop) {
      this.ensure(ptr + size);
      this.heapTop = ptr + size;
      this.live.set(ptr, size);
      return ptr;
    }
    const i = this.freeIndexAfter(ptr);
    const next = this.freeList[i];
    if (next !== undefined && next.ptr === end && next.size >= size - old) {
      const take = size - old;
      if (next.size === take) this.freeList.splice(i, 1);
      else {
        next.ptr += take;
        next.size -= take;
      }
      this.live.set(ptr, size);
      return ptr;
    }
    const moved = this.alloc(size);
    new Uint8Array(this.memory.buffer).copyWithin(moved, ptr, end);
    this.free(ptr);
    return moved;
  }

  /** Usable size in bytes of a live block (the rounded-up size), or undefined. */
  sizeOf(ptr: number): number | undefined {
    return this.live.get(ptr);
  }

  /** The current scratch position. O(1). */
  scratchMark(): ScratchMark {
    return { chunk: this.chunk, top: this.chunkTop };
  }

  /**
   * Bump-allocates `bytes` (rounded up to 16) of per-batch scratch; valid until `scratchReset` to a
   * mark taken before it. Contents undefined. May grow the memory. Amortised O(1).
   */
  scratch(bytes: number): number {
    const size = this.blockSize(bytes);
    const cur = this.chunks[this.chunk];
    if (cur !== undefined && this.chunkTop + size <= cur.size) {
      const ptr = cur.ptr + this.chunkTop;
      this.chunkTop += size;
      return ptr;
    }
    const nextIndex = this.chunk + 1;
    let next = this.chunks[nextIndex];
    if (next === undefined || next.size < size) {
      this.dropChunksFrom(nextIndex);
      const last = this.chunks[this.chunks.length - 1];
      const chunkSize = Math.max(size, MIN_SCRATCH_CHUNK, last === undefined ? 0 : last.size * 2);
      next = { ptr: this.alloc(chunkSize), size: chunkSize };
      this.chunks.push(next);
    }
    this.chunk = nextIndex;
    this.chunkTop = size;
    return next.ptr;
  }

  /**
   * Rewinds the scratch frame to `mark` (default: empty), invalidating every scratch pointer
   * handed out after it. Chunks stay reserved for reuse (see `releaseScratch`). Throws
   * AISLE_INVALID_ARGUMENT for a mark ahead of the current position. O(1).
   */
  scratchReset(mark: ScratchMark = START): void {
    const ahead =
      mark.chunk > this.chunk || (mark.chunk === this.chunk && mark.top > this.chunkTop);
    if (ahead || mark.chunk < -1 || mark.top < 0) {
      throw invalid(
        `scratchReset: mark (${mark.chunk}, ${mark.top}) is ahead of the scratch position`,
      );
    }
    this.chunk = mark.chunk;
    this.chunkTop = mark.top;
  }

  /** Runs `fn` inside a scratch frame: everything it takes with `scratch` is reset afterwards. */
  withScratch<T>(fn: () => T): T {
    const m = this.scratchMark();
    try {
      return fn();
    } finally {
      this.scratchReset(m);
    }
  }

  /** Gives scratch chunks past the current position back to the heap (after a large batch). */
  releaseScratch(): void {
    this.dropChunksFrom(this.chunk + 1);
  }

  /** Fresh f32 view of `len` elements at `ptr` (4-byte aligned). Do not keep across growth. */
  f32(ptr: number, len: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, len);
  }

  /** Fresh f64 view of `len` elements at `ptr` (8-byte aligned). Do not keep across growth. */
  f64(ptr: number, len: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, len);
  }

  /** Fresh u32 view of `len` elements at `ptr` (4-byte aligned). Do not keep across growth. */
  u32(ptr: number, len: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr, len);
  }

  /** Fresh i32 view of `len` elements at `ptr` (4-byte aligned). Do not keep across growth. */
  i32(ptr: number, len: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, len);
  }

  /** Fresh byte view of `len` bytes at `ptr`. Do not keep across growth. */
  u8(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, len);
  }

  /** Current byte counts (see ArenaStats). O(live + free blocks). */
  stats(): ArenaStats {
    let liveBytes = 0;
    for (const s of this.live.values()) liveBytes += s;
    let freeBytes = 0;
    for (const b of this.freeList) freeBytes += b.size;
    let scratchBytes = 0;
    for (const c of this.chunks) scratchBytes += c.size;
    return {
      base: this.base,
      top: this.heapTop,
      capacity: this.memory.buffer.byteLength,
      liveBlocks: this.live.size,
      liveBytes,
      freeBlocks: this.freeList.length,
      freeBytes,
      scratchBytes,
    };
  }

  private blockSize(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0)
      throw invalid(`allocation size ${bytes} is not a byte count`);
    return Math.max(ARENA_ALIGN, alignUp(bytes));
  }

  /** Makes the memory at least `end` bytes long, growing by whole pages (at least 1/4 more). */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = have / PAGE_BYTES;
    const needed = Math.ceil((end - have) / PAGE_BYTES);
    if (pages + needed > this.maximumPages) {
      throw new AisleError(
        'AISLE_OUT_OF_MEMORY',
        `arena needs ${end} bytes but the memory is limited to ${this.maximumPages} pages (${this.maximumPages * PAGE_BYTES} bytes); raise maximumPages or free memory`,
        { requestedEnd: end, capacity: have, maximumPages: this.maximumPages },
      );
    }
    // Growing geometrically keeps the number of grow calls (each detaches every view) logarithmic.
    const wanted = Math.min(Math.max(needed, Math.ceil(pages / 4)), this.maximumPages - pages);
    try {
      this.memory.grow(wanted);
    } catch {
      try {
        this.memory.grow(needed);
      } catch (err) {
        throw new AisleError(
          'AISLE_OUT_OF_MEMORY',
          `the runtime refused to grow the memory to ${end} bytes: ${String(err)}`,
          {
            requestedEnd: end,
            capacity: have,
          },
        );
      }
    }
  }

  /** Inserts a block into the free list, coalescing with neighbours and the heap top. */
  private release(ptr: number, size: number): void {
    const list = this.freeList;
    const i = this.freeIndexAfter(ptr);
    const prev = list[i - 1];
    const next = list[i];
    let block: Block;
    let at: number;
    if (prev !== undefined && prev.ptr + prev.size === ptr) {
      prev.size += size;
      block = prev;
      at = i - 1;
    } else {
      block = { ptr, size };
      list.splice(i, 0, block);
      at = i;
    }
    if (next !== undefined && block.ptr + block.size === next.ptr) {
      block.size += next.size;
      list.splice(at + 1, 1);
    }
    if (block.ptr + block.size === this.heapTop) {
      this.heapTop = block.ptr;
      list.splice(at, 1);
    }
  }

  /** Index of the first free block whose address is greater than `ptr`. O(log free blocks). */
  private freeIndexAfter(ptr: number): number {
    const list = this.freeList;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid].ptr <= ptr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private dropChunksFrom(index: number): void {
    while (this.chunks.length > index) this.free(this.chunks.pop()!.ptr);
  }
}

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isAisleError } from '../../../engine/errors.js';
import { Arena, ARENA_ALIGN, loadKernels, PAGE_BYTES } from '../../../engine/wasm/index.js';
import { wasmApi } from '../../../engine/wasm/wasm-api.js';
import { FC } from './support.js';

function arena(initialPages = 1, maximumPages = 64, heapBase = 1000): Arena {
  return new Arena(
    new wasmApi.Memory({ initial: initialPages, maximum: maximumPages }),
    heapBase,
    maximumPages,
  );
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isAisleError(err) ? err.code : `not an AisleError: ${String(err)}`;
  }
  return undefined;
}

describe('Arena persistent heap', () => {
  it('starts above the heap base, 16-aligned, and hands out aligned blocks', () => {
    const a = arena();
    expect(a.base).toBe(1008);
    for (const bytes of [0, 1, 15, 16, 17, 100, 4096]) {
      const p = a.alloc(bytes);
      expect(p % ARENA_ALIGN).toBe(0);
      expect(p).toBeGreaterThanOrEqual(a.base);
      expect(a.sizeOf(p)).toBe(Math.max(16, Math.ceil(bytes / 16) * 16));
    }
  });

  it('reuses a freed block for an allocation that fits (first fit)', () => {
    const a = arena();
    const p1 = a.alloc(64);
    a.alloc(64);
    a.free(p1);
    expect(a.alloc(48)).toBe(p1);
    expect(a.alloc(16)).toBe(p1 + 48);
  });

  it('coalesces neighbouring free blocks and returns the top block to the heap', () => {
    const a = arena();
    const p1 = a.alloc(32);
    const p2 = a.alloc(32);
    const p3 = a.alloc(32);
    const keep = a.alloc(32);
    a.free(p1);
    a.free(p3);
    a.free(p2);
    expect(a.stats()).toMatchObject({ freeBlocks: 1, freeBytes: 96 });
    expect(a.alloc(96)).toBe(p1);
    const top = a.stats().top;
    a.free(keep);
    expect(a.stats().top).toBe(top - 32);
  });

  it('realloc shrinks in place, grows at the top in place, grows into a free neighbour, else moves', () => {
    const a = arena();
    const p = a.alloc(64);
    a.u8(p, 64).forEach((_, i, v) => (v[i] = i));
    expect(a.realloc(p, 32)).toBe(p);
    expect(a.realloc(p, 64)).toBe(p); // top of heap
    const q = a.alloc(64);
    const r = a.alloc(16);
    a.free(q);
    expect(a.realloc(p, 100)).toBe(p); // absorbs part of q's free block
    expect(a.sizeOf(p)).toBe(112);
    a.u8(r, 16).fill(9);
    const moved = a.realloc(p, 4096);
    expect(moved).not.toBe(p);
    expect(Array.from(a.u8(moved, 32))).toEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(a.sizeOf(p)).toBeUndefined();
    expect(a.u8(r, 16).every((b) => b === 9)).toBe(true);
  });

  it('rejects double free, unknown pointers and bad sizes', () => {
    const a = arena();
    const p = a.alloc(16);
    a.free(p);
    expect(codeOf(() => a.free(p))).toBe('AISLE_INVALID_ARGUMENT');
    expect(codeOf(() => a.realloc(p + 16, 32))).toBe('AISLE_INVALID_ARGUMENT');
    expect(codeOf(() => a.alloc(-1))).toBe('AISLE_INVALID_ARGUMENT');
    expect(codeOf(() => a.alloc(1.5))).toBe('AISLE_INVALID_ARGUMENT');
  });

  it('allocZeroed zeroes a reused dirty block', () => {
    const a = arena();
    const p = a.alloc(64);
    a.u8(p, 64).fill(255);
    a.alloc(16);
    a.free(p);
    const z = a.allocZeroed(64);
    expect(z).toBe(p);
    expect(a.u8(z, 64).every((b) => b === 0)).toBe(true);
  });

  it('grows the memory by whole pages and fresh views see data written before growth', () => {
    const a = arena(1);
    const p = a.alloc(1024);
    const old = a.f32(p, 256);
    old.fill(3.5);
    const big = a.alloc(5 * PAGE_BYTES);
    expect(a.memory.buffer.byteLength % PAGE_BYTES).toBe(0);
    expect(a.memory.buffer.byteLength).toBeGreaterThanOrEqual(big + 5 * PAGE_BYTES);
    expect(old.length).toBe(0); // detached by memory.grow: why views must never be cached
    expect(a.f32(p, 256).every((v) => v === 3.5)).toBe(true);
    a.f64(big, 5 * 8192).fill(1);
  });

  it('throws AISLE_OUT_OF_MEMORY at maximumPages and stays usable', () => {
    const a = arena(1, 3);
    const p = a.alloc(PAGE_BYTES);
    expect(codeOf(() => a.alloc(3 * PAGE_BYTES))).toBe('AISLE_OUT_OF_MEMORY');
    expect(a.sizeOf(p)).toBe(PAGE_BYTES);
    const q = a.alloc(PAGE_BYTES);
    expect(a.memory.buffer.byteLength).toBeLessThanOrEqual(3 * PAGE_BYTES);
    expect(codeOf(() => a.realloc(q, 2 * PAGE_BYTES))).toBe('AISLE_OUT_OF_MEMORY');
    expect(a.sizeOf(q)).toBe(PAGE_BYTES);
  });

  it('keeps live blocks aligned, disjoint and intact over random alloc/free/realloc', () => {
    type Op =
      | { kind: 'alloc'; bytes: number }
      | { kind: 'free'; pick: number }
      | { kind: 'realloc'; pick: number; bytes: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('alloc' as const),
        bytes: fc.integer({ min: 0, max: 20_000 }),
      }),
      fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
      fc.record({
        kind: fc.constant('realloc' as const),
        pick: fc.nat(),
        bytes: fc.integer({ min: 0, max: 40_000 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const a = arena(1, 256);
        const live = new Map<number, { bytes: number; tag: number }>();
        let tag = 1;
        const stamp = (p: number, bytes: number, t: number) => a.u8(p, bytes).fill(t & 0xff);
        for (const o of ops) {
          const ptrs = [...live.keys()];
          if (o.kind === 'alloc') {
            const p = a.alloc(o.bytes);
            live.set(p, { bytes: o.bytes, tag });
            stamp(p, o.bytes, tag++);
          } else if (ptrs.length > 0) {
            const p = ptrs[o.pick % ptrs.length]!;
            const cur = live.get(p)!;
            live.delete(p);
            if (o.kind === 'free') a.free(p);
            else {
              const np = a.realloc(p, o.bytes);
              const kept = Math.min(cur.bytes, o.bytes);
              expect(a.u8(np, kept).every((b) => b === (cur.tag & 0xff))).toBe(true);
              live.set(np, { bytes: o.bytes, tag });
              stamp(np, o.bytes, tag++);
            }
          }
          const spans = [...live.entries()]
            .map(([p, v]) => [p, p + a.sizeOf(p)!, v] as const)
            .sort((x, y) => x[0] - y[0]);
          for (let i = 0; i < spans.length; i++) {
            const [start, end, v] = spans[i]!;
            expect(start % 16).toBe(0);
            expect(start).toBeGreaterThanOrEqual(a.base);
            expect(end).toBeLessThanOrEqual(a.memory.buffer.byteLength);
            if (i > 0) expect(start).toBeGreaterThanOrEqual(spans[i - 1]![1]);
            expect(a.u8(start, v.bytes).every((b) => b === (v.tag & 0xff))).toBe(true);
          }
        }
        const s = a.stats();
        expect(s.liveBlocks).toBe(live.size);
        expect(s.liveBytes + s.freeBytes + s.scratchBytes).toBe(s.top - s.base);
        for (const p of live.keys()) a.free(p);
        expect(a.stats()).toMatchObject({ top: a.base, freeBlocks: 0, liveBlocks: 0 });
      }),
      FC,
    );
  });
});

describe('Arena scratch frame', () => {
  it('bumps 16-aligned pointers and rewinds to a mark', () => {
    const a = arena();
    const m0 = a.scratchMark();
    const p1 = a.scratch(10);
    const p2 = a.scratch(20);
    expect(p1 % 16).toBe(0);
    expect(p2).toBe(p1 + 16);
    const m1 = a.scratchMark();
    const p3 = a.scratch(100);
    expect(p3).toBe(p2 + 32);
    a.scratchReset(m1);
    expect(a.scratch(8)).toBe(p3);
    a.scratchReset(m0);
    expect(a.scratch(8)).toBe(p1);
  });

  it('rejects a mark ahead of the current position', () => {
    const a = arena();
    const m0 = a.scratchMark();
    a.scratch(64);
    const m1 = a.scratchMark();
    a.scratchReset(m0);
    expect(codeOf(() => a.scratchReset(m1))).toBe('AISLE_INVALID_ARGUMENT');
  });

  it('chains chunks for large frames, keeps them for reuse, and releases them on request', () => {
    const a = arena(1, 256);
    const m = a.scratchMark();
    const small = a.scratch(1000);
    const huge = a.scratch(3 * PAGE_BYTES);
    a.f64(huge, (3 * PAGE_BYTES) / 8).fill(1);
    const held = a.stats().scratchBytes;
    expect(held).toBeGreaterThanOrEqual(3 * PAGE_BYTES);
    a.scratchReset(m);
    expect(a.scratch(1000)).toBe(small);
    expect(a.scratch(3 * PAGE_BYTES)).toBe(huge); // retained chunk reused, no new growth
    expect(a.stats().scratchBytes).toBe(held);
    a.scratchReset();
    a.releaseScratch();
    expect(a.stats().scratchBytes).toBe(0);
  });

  it('coexists with persistent allocations made inside a frame', () => {
    const a = arena();
    const s1 = a.scratch(64);
    const p = a.alloc(64);
    const s2 = a.scratch(64);
    for (const [x, y] of [
      [s1, p],
      [s2, p],
    ] as const) {
      expect(Math.abs(x - y)).toBeGreaterThanOrEqual(64);
    }
    a.scratchReset();
    expect(a.sizeOf(p)).toBe(64);
  });

  it('withScratch resets even when the callback throws', () => {
    const a = arena();
    const before = a.scratchMark();
    expect(() =>
      a.withScratch(() => {
        a.scratch(128);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(a.scratchMark()).toEqual(before);
    expect(a.withScratch(() => a.scratch(16))).toBe(a.scratch(16));
  });
});

describe('Arena inside loaded kernels', () => {
  it('reports AISLE_OUT_OF_MEMORY when maximumPages is reached', async () => {
    const k = await loadKernels({ simd: false, initialPages: 1, maximumPages: 2 });
    k.arena.alloc(PAGE_BYTES / 2);
    expect(codeOf(() => k.arena.alloc(2 * PAGE_BYTES))).toBe('AISLE_OUT_OF_MEMORY');
    expect(codeOf(() => k.arena.scratch(2 * PAGE_BYTES))).toBe('AISLE_OUT_OF_MEMORY');
  });

  it('kernels see memory grown by the arena', async () => {
    const k = await loadKernels({ simd: false, initialPages: 1 });
    const rows = 20_000;
    const m = k.arena.alloc(rows * 4 * 4); // grows past the first page
    k.arena.f32(m, rows * 4).fill(1);
    const q = k.arena.alloc(16);
    k.arena.f32(q, 4).set([1, 2, 3, 4]);
    const out = k.arena.alloc(rows * 4);
    k.dotF32Batch(out, q, m, rows, 4);
    expect(k.arena.f32(out, rows).every((v) => v === 10)).toBe(true);
  });
});

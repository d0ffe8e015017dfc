/**
 * Shared helpers for the kernel tests: the builds to run every test against, seeded data, and
 * placement of typed arrays into kernel memory at chosen (element-aligned, not 16-aligned)
 * offsets so that the unaligned and tail paths of the kernels are exercised.
 */
import type { Parameters as FcParameters } from 'fast-check';
import type { Kernels } from '../../../engine/wasm/index.js';

/** Both builds; every kernel test runs against each. */
export const BUILDS = [
  { name: 'simd', simd: true },
  { name: 'scalar', simd: false },
] as const;

/** Property-test budget: stop early (and pass) after 10 s, more on CI. */
export const FC: FcParameters<unknown> = {
  numRuns: 300,
  interruptAfterTimeLimit: process.env['CI'] ? 60_000 : 10_000,
};

/** mulberry32: the same generator as the benchmarks, so cases are reproducible from a seed. */
export { rng } from '../../../bench/harness.js';

type Typed = Float32Array | Float64Array | Uint32Array | Int32Array | Uint8Array | BigInt64Array;

/** Extra elements written after each placed array and checked afterwards to catch overruns. */
export const GUARD = 4;
const SENTINEL = 0x7e;

export interface Placed<T extends Typed> {
  ptr: number;
  /** A fresh view over the placed elements (re-created on each call: memory may have grown). */
  view(): T;
  /** True when the guard bytes after the array are untouched. */
  guardIntact(): boolean;
}

/**
 * Copies `src` into scratch memory `offset` elements past a 16-aligned address and fills
 * GUARD elements after it with a sentinel byte. Call inside `arena.withScratch`.
 */
export function place<T extends Typed>(k: Kernels, src: T, offset = 0): Placed<T> {
  const bpe = src.BYTES_PER_ELEMENT;
  const base = k.arena.scratch((src.length + offset + GUARD) * bpe);
  const ptr = base + offset * bpe;
  const ctor = src.constructor as new (buf: ArrayBuffer, off: number, len: number) => T;
  new ctor(k.memory.buffer, ptr, src.length).set(src as never);
  const guardAt = ptr + src.length * bpe;
  k.arena.u8(guardAt, GUARD * bpe).fill(SENTINEL);
  return {
    ptr,
    view: () => new ctor(k.memory.buffer, ptr, src.length),
    guardIntact: () => k.arena.u8(guardAt, GUARD * bpe).every((b) => b === SENTINEL),
  };
}

/** Fills with uniform values in [lo, hi). */
export function uniform<T extends Float32Array | Float64Array>(
  out: T,
  next: () => number,
  lo = -1,
  hi = 1,
): T {
  for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

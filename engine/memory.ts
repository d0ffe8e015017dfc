/**
 * Counting the bytes a part holds, for the memory budget and `stats().memory`.
 *
 * Typed arrays are counted exactly (their buffer once, however many views share it; a view into
 * the WASM memory counts its own bytes, since that memory is counted once for the engine). Maps,
 * sets, arrays and plain objects are walked, with V8's usual per-entry overheads; a large one is
 * sampled (a fixed number of entries, evenly spread for arrays, the first ones for maps) and the
 * sample scaled up, so one call costs microseconds per part rather than a walk of the whole
 * state. The figures are estimates of the JavaScript heap, good to tens of percent; RSS, which the
 * host reads, is the ground truth they are checked against in the soak benchmark.
 */

import { wasmApi } from './wasm/wasm-api.js';

/** V8 on 64-bit with pointer compression off (Node's default): approximate sizes in bytes. */
const OBJECT_HEADER = 24;
export const SLOT = 8;
export const MAP_ENTRY = 40;
export const STRING_HEADER = 16;
/** Containers larger than this are sampled. */
const SAMPLE_ABOVE = 256;
const SAMPLE = 64;
const MAX_DEPTH = 12;

export interface EstimateOptions {
  /** Objects not to count (owned by another part, or counted apart). */
  exclude?: readonly object[];
  /** The WASM linear memory's buffer: views into it count their own bytes only. */
  wasm?: ArrayBufferLike;
}

/**
 * Estimated bytes reachable from `root` (see the module comment). Functions, WebAssembly objects
 * and the excluded objects are not counted. O(fields + sampled entries).
 */
export function estimateBytes(root: unknown, opts: EstimateOptions = {}): number {
  const seen = new Set<unknown>(opts.exclude ?? []);
  return walk(root, seen, opts.wasm, 0);
}

function stringBytes(s: string): number {
  // One-byte strings are the common case for ids; two-byte ones are rare enough to ignore here.
  return STRING_HEADER + s.length;
}

/**
 * @param scaled inside a sample that will be scaled up: a typed array then counts its own bytes,
 *   not its whole buffer, since views into one shared buffer (lists carved from a pool) would
 *   otherwise each be counted as the whole pool and multiplied by the scale
 */
function walk(
  v: unknown,
  seen: Set<unknown>,
  wasm: ArrayBufferLike | undefined,
  depth: number,
  scaled = false,
): number {
  switch (typeof v) {
    case 'string':
      return stringBytes(v);
    case 'number':
    case 'bigint':
      return SLOT;
    case 'object':
      break;
    default:
      return 0;
  }
  if (v === null || seen.has(v) || depth > MAX_DEPTH) return 0;
  seen.add(v);
  if (ArrayBuffer.isView(v)) {
    if (v.buffer === wasm || scaled) return v.byteLength;
    if (seen.has(v.buffer)) return 0;
    seen.add(v.buffer);
    return v.buffer.byteLength;
  }
  if (v instanceof ArrayBuffer) return v.byteLength;
  if (isWasm(v)) return 0;
  const next = depth + 1;
  if (Array.isArray(v)) {
    return OBJECT_HEADER + v.length * SLOT + sampled(v, seen, wasm, next, scaled);
  }
  if (v instanceof Map) {
    let sum = 0;
    let n = 0;
    const sampling = scaled || v.size > SAMPLE_ABOVE;
    for (const [key, value] of v) {
      sum += walk(key, seen, wasm, next, sampling) + walk(value, seen, wasm, next, sampling);
      if (++n === SAMPLE && v.size > SAMPLE_ABOVE) break;
    }
    const scale = n === 0 ? 0 : v.size / n;
    return OBJECT_HEADER + v.size * MAP_ENTRY + Math.round(sum * scale);
  }
  if (v instanceof Set) {
    let sum = 0;
    let n = 0;
    const sampling = scaled || v.size > SAMPLE_ABOVE;
    for (const value of v) {
      sum += walk(value, seen, wasm, next, sampling);
      if (++n === SAMPLE && v.size > SAMPLE_ABOVE) break;
    }
    return (
      OBJECT_HEADER + v.size * (MAP_ENTRY - SLOT) + (n === 0 ? 0 : Math.round((sum * v.size) / n))
    );
  }
  let sum = OBJECT_HEADER;
  for (const key of Object.keys(v)) {
    sum += SLOT + walk((v as Record<string, unknown>)[key], seen, wasm, next, scaled);
  }
  return sum;
}

/** Bytes of the elements of a large array, from an evenly spread sample. */
function sampled(
  a: readonly unknown[],
  seen: Set<unknown>,
  wasm: ArrayBufferLike | undefined,
  depth: number,
  scaled: boolean,
): number {
  if (a.length <= SAMPLE_ABOVE) {
    let sum = 0;
    for (const x of a) if (typeof x !== 'number') sum += walk(x, seen, wasm, depth, scaled);
    return sum;
  }
  let sum = 0;
  const step = a.length / SAMPLE;
  for (let i = 0; i < SAMPLE; i++) {
    const x = a[Math.floor(i * step)];
    if (typeof x !== 'number') sum += walk(x, seen, wasm, depth, true);
  }
  return Math.round(sum * step);
}

function isWasm(v: object): boolean {
  // Instances and modules are reached only through the kernels, which are excluded.
  return v instanceof wasmApi.Memory;
}

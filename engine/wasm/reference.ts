/**
 * Plain TypeScript versions of every kernel, with the kernels' semantics on typed arrays. They
 * are the oracle the kernel tests compare against and the "plain TypeScript" contender in
 * bench/micro/kernels.ts, so they are written the way a careful TypeScript author would: simple
 * loops, no tricks, but no wasted work either (topk uses the same bounded heap as the kernel).
 *
 * Functions that return a status use the kernel codes (`KernelStatus`); like the kernels, they
 * change nothing when they return a non-zero status.
 */
import { KernelStatus } from './status.js';

/** out[r] = dot(q, m[r*dim .. r*dim+dim)), accumulated in f64. O(rows*dim). */
export function dotF32Batch(
  out: Float32Array,
  q: Float32Array,
  m: Float32Array,
  rows: number,
  dim: number,
): number {
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += q[j] * m[base + j];
    out[r] = s;
  }
  return KernelStatus.OK;
}

/** out[r] = cosine(q, row r), 0 when either norm is 0. O(rows*dim). */
export function cosineF32Batch(
  out: Float32Array,
  q: Float32Array,
  m: Float32Array,
  rows: number,
  dim: number,
): number {
  let qq = 0;
  for (let j = 0; j < dim; j++) qq += q[j] * q[j];
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let dot = 0;
    let mm = 0;
    for (let j = 0; j < dim; j++) {
      const v = m[base + j];
      dot += q[j] * v;
      mm += v * v;
    }
    out[r] = qq !== 0 && mm !== 0 ? dot / Math.sqrt(qq * mm) : 0;
  }
  return KernelStatus.OK;
}

type Scores = Float32Array | Float64Array;

// a ranks below b: lower score, or equal score and higher index.
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

function siftDown(idx: Uint32Array, sc: Scores, size: number, pos: number): void {
  const s = sc[pos];
  const id = idx[pos];
  for (;;) {
    let c = 2 * pos + 1;
    if (c >= size) break;
    if (c + 1 < size && worse(sc[c + 1], idx[c + 1], sc[c], idx[c])) c++;
    if (!worse(sc[c], idx[c], s, id)) break;
    sc[pos] = sc[c];
    idx[pos] = idx[c];
    pos = c;
  }
  sc[pos] = s;
  idx[pos] = id;
}

function siftUp(idx: Uint32Array, sc: Scores, pos: number): void {
  const s = sc[pos];
  const id = idx[pos];
  while (pos > 0) {
    const p = (pos - 1) >> 1;
    if (!worse(s, id, sc[p], idx[p])) break;
    sc[pos] = sc[p];
    idx[pos] = idx[p];
    pos = p;
  }
  sc[pos] = s;
  idx[pos] = id;
}

function topk(outIdx: Uint32Array, outScore: Scores, scores: Scores, n: number, k: number): number {
  let size = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (s !== s) continue; // NaN
    if (size < k) {
      outScore[size] = s;
      outIdx[size] = i;
      siftUp(outIdx, outScore, size++);
    } else if (size > 0 && s > outScore[0]) {
      outScore[0] = s;
      outIdx[0] = i;
      siftDown(outIdx, outScore, size, 0);
    }
  }
  for (let end = size - 1; end > 0; end--) {
    const s0 = outScore[0];
    const i0 = outIdx[0];
    outScore[0] = outScore[end];
    outIdx[0] = outIdx[end];
    outScore[end] = s0;
    outIdx[end] = i0;
    siftDown(outIdx, outScore, end, 0);
  }
  return size;
}

/**
 * Best min(k, non-NaN count) of `scores[0..n)` into outIdx/outScore, best first (ties: lower
 * index). Returns the count written. O(n log k).
 */
export function topkF32(
  outIdx: Uint32Array,
  outScore: Float32Array,
  scores: Float32Array,
  n: number,
  k: number,
): number {
  return topk(outIdx, outScore, scores, n, k);
}

/** `topkF32` for f64 scores. */
export function topkF64(
  outIdx: Uint32Array,
  outScore: Float64Array,
  scores: Float64Array,
  n: number,
  k: number,
): number {
  return topk(outIdx, outScore, scores, n, k);
}

function keysBelow(keys: Uint32Array, n: number, limit: number): boolean {
  for (let i = 0; i < n; i++) if (keys[i] >= limit) return false;
  return true;
}

/**
 * counters[idx[i]] += w[i] * exp(lambda * (ts[i] - tRef)) (ts in epoch ms, lambda per ms).
 * INDEX_OUT_OF_RANGE or BAD_ARGUMENT (non-finite lambda/tRef) with nothing written. O(n).
 */
export function scatterAddDecayedF64(
  counters: Float64Array,
  nCounters: number,
  idx: Uint32Array,
  ts: Float64Array,
  w: Float64Array,
  n: number,
  lambda: number,
  tRef: number,
): number {
  if (!Number.isFinite(lambda) || !Number.isFinite(tRef)) return KernelStatus.BAD_ARGUMENT;
  if (!keysBelow(idx, n, nCounters)) return KernelStatus.INDEX_OUT_OF_RANGE;
  for (let i = 0; i < n; i++) counters[idx[i]] += w[i] * Math.exp(lambda * (ts[i] - tRef));
  return KernelStatus.OK;
}

/** values[i] *= factor for i < n. BAD_ARGUMENT (nothing written) for a non-finite factor. O(n). */
export function scaleF64(values: Float64Array, n: number, factor: number): number {
  if (!Number.isFinite(factor)) return KernelStatus.BAD_ARGUMENT;
  for (let i = 0; i < n; i++) values[i] *= factor;
  return KernelStatus.OK;
}

/** counts[keys[i]] += 1 (u32, wrapping). INDEX_OUT_OF_RANGE with nothing written. O(n). */
export function groupCountU32(
  counts: Uint32Array,
  nGroups: number,
  keys: Uint32Array,
  n: number,
): number {
  if (!keysBelow(keys, n, nGroups)) return KernelStatus.INDEX_OUT_OF_RANGE;
  for (let i = 0; i < n; i++) counts[keys[i]]++;
  return KernelStatus.OK;
}

/** sums[keys[i]] += values[i]. INDEX_OUT_OF_RANGE with nothing written. O(n). */
export function groupSumF64(
  sums: Float64Array,
  nGroups: number,
  keys: Uint32Array,
  values: Float64Array,
  n: number,
): number {
  if (!keysBelow(keys, n, nGroups)) return KernelStatus.INDEX_OUT_OF_RANGE;
  for (let i = 0; i < n; i++) sums[keys[i]] += values[i];
  return KernelStatus.OK;
}

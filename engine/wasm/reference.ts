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

/** out = mᵀm + reg·I (dim×dim, row-major), accumulated in f64. BAD_ARGUMENT for a non-finite reg. */
export function gramF32(
  out: Float32Array,
  m: Float32Array,
  rows: number,
  dim: number,
  reg: number,
): number {
  if (!Number.isFinite(reg)) return KernelStatus.BAD_ARGUMENT;
  for (let j = 0; j < dim; j++) {
    for (let l = 0; l < dim; l++) {
      let s = j === l ? reg : 0;
      for (let r = 0; r < rows; r++) s += m[r * dim + j] * m[r * dim + l];
      out[j * dim + l] = s;
    }
  }
  return KernelStatus.OK;
}

/**
 * Implicit-ALS conjugate gradient on rows [rowStart, rowEnd) of x, in place: the algorithm of
 * `implicit`'s least_squares_cg with confidence 1 + alpha·value and preference 1 per stored
 * entry, `yty` = yᵀy + reg·I. Vectors in f64, results stored to x. Same checks and statuses as
 * the kernel, nothing written on failure.
 */
export function alsCgRows(
  x: Float32Array,
  y: Float32Array,
  yRows: number,
  yty: Float32Array,
  indptr: Uint32Array,
  indices: Uint32Array,
  values: Float32Array,
  rowStart: number,
  rowEnd: number,
  dim: number,
  alpha: number,
  cgSteps: number,
): number {
  if (!Number.isFinite(alpha) || alpha < 0 || rowStart > rowEnd) return KernelStatus.BAD_ARGUMENT;
  for (let r = rowStart; r < rowEnd; r++)
    if (indptr[r] > indptr[r + 1]) return KernelStatus.BAD_ARGUMENT;
  for (let e = indptr[rowStart]; e < indptr[rowEnd]; e++) {
    const v = values[e];
    if (!(v >= 0) || v === Infinity) return KernelStatus.BAD_ARGUMENT;
  }
  if (
    !keysBelow(
      indices.subarray(indptr[rowStart], indptr[rowEnd]),
      indptr[rowEnd] - indptr[rowStart],
      yRows,
    )
  ) {
    return KernelStatus.INDEX_OUT_OF_RANGE;
  }
  const xr = new Float64Array(dim);
  const res = new Float64Array(dim);
  const dir = new Float64Array(dim);
  const adir = new Float64Array(dim);
  const rowDot = (i: number, v: Float64Array): number => {
    let s = 0;
    for (let j = 0; j < dim; j++) s += y[i * dim + j] * v[j];
    return s;
  };
  const vecDot = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let j = 0; j < dim; j++) s += a[j] * b[j];
    return s;
  };
  // out = s · yty · v
  const symv = (out: Float64Array, s: number, v: Float64Array): void => {
    for (let j = 0; j < dim; j++) {
      let t = 0;
      for (let l = 0; l < dim; l++) t += yty[j * dim + l] * v[l];
      out[j] = s * t;
    }
  };
  for (let r = rowStart; r < rowEnd; r++) {
    const start = indptr[r];
    const end = indptr[r + 1];
    if (start === end) {
      x.fill(0, r * dim, (r + 1) * dim);
      continue;
    }
    for (let j = 0; j < dim; j++) xr[j] = x[r * dim + j];
    symv(res, -1, xr);
    for (let e = start; e < end; e++) {
      const i = indices[e];
      const cm1 = alpha * values[e];
      const t = 1 + cm1 - cm1 * rowDot(i, xr);
      for (let j = 0; j < dim; j++) res[j] += t * y[i * dim + j];
    }
    dir.set(res);
    let rsold = vecDot(res, res);
    if (rsold >= 1e-20) {
      for (let step = 0; step < cgSteps; step++) {
        symv(adir, 1, dir);
        for (let e = start; e < end; e++) {
          const i = indices[e];
          const t = alpha * values[e] * rowDot(i, dir);
          for (let j = 0; j < dim; j++) adir[j] += t * y[i * dim + j];
        }
        const pap = vecDot(dir, adir);
        if (!(pap > 0)) break;
        const a = rsold / pap;
        for (let j = 0; j < dim; j++) {
          xr[j] += a * dir[j];
          res[j] -= a * adir[j];
        }
        const rsnew = vecDot(res, res);
        if (rsnew < 1e-20) break;
        const beta = rsnew / rsold;
        for (let j = 0; j < dim; j++) dir[j] = res[j] + beta * dir[j];
        rsold = rsnew;
      }
    }
    for (let j = 0; j < dim; j++) x[r * dim + j] = xr[j];
  }
  return KernelStatus.OK;
}

/** The arrays of `windowGroupByU32`: one chunk of the log (n rows) and the per-group outputs. */
export interface WindowGroupByArrays {
  /** Per group, added to: events (u32, wrapping), units, revenue. */
  counts: Uint32Array;
  units: Float64Array;
  revenue: Float64Array;
  nGroups: number;
  ts: BigInt64Array;
  type: Uint8Array;
  keys: Uint32Array;
  /** Key → group; undefined: the key is the group. */
  lookup?: Uint32Array | undefined;
  quantity: Int32Array;
  price: Float32Array;
  n: number;
  /** Window [from, to), epoch ms (±Infinity for an open end). */
  from: number;
  to: number;
  /** Bit t set: rows of type code t count (codes 0..15). */
  typeMask: number;
  /** n entries of scratch for the selected row indexes. */
  sel: Uint32Array;
}

/**
 * For rows with ts in [from, to) and a type in the mask, per group (key, or lookup[key]): count
 * 1, units += quantity, revenue += quantity × price, in row order. Timestamps are read as two
 * 32-bit halves (exact below 2^53 ms), which costs no BigInt per row. BAD_ARGUMENT for a mask
 * above 16 bits; INDEX_OUT_OF_RANGE for a selected key >= lookup length or group >= nGroups.
 * Nothing written on failure. O(n + selected).
 */
export function windowGroupByU32(a: WindowGroupByArrays): number {
  const { ts, type, keys, lookup, sel, from, to, typeMask } = a;
  if (!Number.isInteger(typeMask) || typeMask < 0 || typeMask > 0xffff) {
    return KernelStatus.BAD_ARGUMENT;
  }
  const words = new Int32Array(ts.buffer, ts.byteOffset, a.n * 2);
  let m = 0;
  for (let i = 0; i < a.n; i++) {
    const t = type[i];
    if (t > 15 || ((typeMask >>> t) & 1) === 0) continue;
    const v = words[2 * i + 1] * 4294967296 + (words[2 * i] >>> 0);
    if (v >= from && v < to) sel[m++] = i;
  }
  const limit = lookup === undefined ? a.nGroups : lookup.length;
  for (let j = 0; j < m; j++) {
    const key = keys[sel[j]];
    if (key >= limit || (lookup !== undefined && lookup[key] >= a.nGroups)) {
      return KernelStatus.INDEX_OUT_OF_RANGE;
    }
  }
  const { counts, units, revenue, quantity, price } = a;
  for (let j = 0; j < m; j++) {
    const i = sel[j];
    const g = lookup === undefined ? keys[i] : lookup[keys[i]];
    const q = quantity[i];
    counts[g]++;
    units[g] += q;
    revenue[g] += q * price[i];
  }
  return KernelStatus.OK;
}

/**
 * Exponentially decayed counters stored in "forward" form: an event at time t with weight w adds
 * w * exp(lambda * (t - tRef)) to its counter, so the value at time T is counter * exp(-lambda *
 * (T - tRef)) and adding new events never requires touching the other counters. When tRef moves
 * forward by d (to keep exponents small), the caller multiplies all counters by exp(-lambda * d)
 * with scale_f64. exp overflows to Infinity for lambda * (t - tRef) above ~709: renormalise first.
 */
import { keysBelow } from './keys';
import { STATUS_BAD_ARGUMENT, STATUS_INDEX_OUT_OF_RANGE, STATUS_OK } from './status';

/**
 * counters[idx[i]] += w[i] * exp(lambda * (ts[i] - tRef)) for i < n.
 * `counters`: nCounters f64; `idx`: n u32; `ts`: n f64 epoch ms; `w`: n f64; lambda per ms.
 * All indices are checked before the first write: on STATUS_INDEX_OUT_OF_RANGE, or
 * STATUS_BAD_ARGUMENT (lambda or tRef not finite), no counter changes. O(n) plus one exp per event.
 */
export function scatter_add_decayed_f64(
  counters: usize,
  nCounters: u32,
  idx: usize,
  ts: usize,
  w: usize,
  n: u32,
  lambda: f64,
  tRef: f64,
): i32 {
  if (!isFinite(lambda) || !isFinite(tRef)) return STATUS_BAD_ARGUMENT;
  if (!keysBelow(idx, n, nCounters)) return STATUS_INDEX_OUT_OF_RANGE;
  for (let i: u32 = 0; i < n; i++) {
    const o = (<usize>i) << 3;
    const p = counters + ((<usize>load<u32>(idx + ((<usize>i) << 2))) << 3);
    store<f64>(p, load<f64>(p) + load<f64>(w + o) * Math.exp(lambda * (load<f64>(ts + o) - tRef)));
  }
  return STATUS_OK;
}

/**
 * ptr[i] *= factor for i < n, in place; f64, 8-byte aligned. STATUS_BAD_ARGUMENT (nothing written)
 * when factor is not finite. SIMD: 8 doubles per step, then 2, then one scalar tail. O(n).
 */
export function scale_f64(ptr: usize, n: u32, factor: f64): i32 {
  if (!isFinite(factor)) return STATUS_BAD_ARGUMENT;
  let i: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    const f = f64x2.splat(factor);
    const n8 = n & ~7;
    for (; i < n8; i += 8) {
      const p = ptr + ((<usize>i) << 3);
      v128.store(p, f64x2.mul(v128.load(p), f));
      v128.store(p, f64x2.mul(v128.load(p, 16), f), 16);
      v128.store(p, f64x2.mul(v128.load(p, 32), f), 32);
      v128.store(p, f64x2.mul(v128.load(p, 48), f), 48);
    }
    const n2 = n & ~1;
    for (; i < n2; i += 2) {
      const p = ptr + ((<usize>i) << 3);
      v128.store(p, f64x2.mul(v128.load(p), f));
    }
  }
  for (; i < n; i++) {
    const p = ptr + ((<usize>i) << 3);
    store<f64>(p, load<f64>(p) * factor);
  }
  return STATUS_OK;
}

/**
 * Scores of decayed counters at one time: out[i] = counters[i] * factor when that is above 0,
 * else NaN (so top-k skips it); out[0] = NaN (id 0 is no item). The same products, in the same
 * order, as the engine's TypeScript, so rankings are bit-identical. O(n).
 */
export function decayed_scores_f64(out: usize, counters: usize, n: u32, factor: f64): i32 {
  if (!isFinite(factor)) return STATUS_BAD_ARGUMENT;
  for (let i: u32 = 0; i < n; i++) {
    const o = (<usize>i) << 3;
    const v = load<f64>(counters + o) * factor;
    store<f64>(out + o, i > 0 && v > 0 ? v : NaN);
  }
  return STATUS_OK;
}

/**
 * Trending z-scores: with s = short[i] * fs and e = long[i] * fl * ratio, out[i] =
 * (s − e) / √(e + 1) when s ≥ floor and that z ≥ minZ, else NaN; out[0] = NaN. Same arithmetic
 * as the engine's TypeScript, so rankings are bit-identical. O(n).
 */
export function trend_scores_f64(
  out: usize,
  short: usize,
  long: usize,
  n: u32,
  fs: f64,
  fl: f64,
  ratio: f64,
  floor: f64,
  minZ: f64,
): i32 {
  if (!isFinite(fs) || !isFinite(fl) || !isFinite(ratio)) return STATUS_BAD_ARGUMENT;
  for (let i: u32 = 0; i < n; i++) {
    const o = (<usize>i) << 3;
    let z: f64 = NaN;
    const s = load<f64>(short + o) * fs;
    if (i > 0 && !(s < floor)) {
      const e = load<f64>(long + o) * fl * ratio;
      const v = (s - e) / Math.sqrt(e + 1);
      if (v >= minZ) z = v;
    }
    store<f64>(out + o, z);
  }
  return STATUS_OK;
}

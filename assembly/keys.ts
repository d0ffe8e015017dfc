/**
 * Range check for u32 key arrays, run as a separate pass so that scatter kernels either apply a
 * whole batch or none of it (a half-applied batch cannot be retried without double counting).
 */

/** True when every `keys[i] < limit` for i < n. Reads n u32 values at `keys` (any 4-byte alignment). */
export function keysBelow(keys: usize, n: u32, limit: u32): bool {
  if (n == 0) return true;
  if (limit == 0) return false;
  let i: u32 = 0;
  let hi: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    // Unsigned max over lanes; two accumulators so consecutive max ops do not wait on each other.
    let m0 = i32x4.splat(0);
    let m1 = i32x4.splat(0);
    const n8 = n & ~7;
    for (; i < n8; i += 8) {
      const p = keys + ((<usize>i) << 2);
      m0 = i32x4.max_u(m0, v128.load(p));
      m1 = i32x4.max_u(m1, v128.load(p, 16));
    }
    const m = i32x4.max_u(m0, m1);
    hi = max(
      max(<u32>i32x4.extract_lane(m, 0), <u32>i32x4.extract_lane(m, 1)),
      max(<u32>i32x4.extract_lane(m, 2), <u32>i32x4.extract_lane(m, 3)),
    );
  } else {
    // Four running maxima: one would make every step wait for the previous compare.
    let h0: u32 = 0;
    let h1: u32 = 0;
    let h2: u32 = 0;
    let h3: u32 = 0;
    const n4 = n & ~3;
    for (; i < n4; i += 4) {
      const p = keys + ((<usize>i) << 2);
      h0 = max(h0, load<u32>(p));
      h1 = max(h1, load<u32>(p, 4));
      h2 = max(h2, load<u32>(p, 8));
      h3 = max(h3, load<u32>(p, 12));
    }
    hi = max(max(h0, h1), max(h2, h3));
  }
  for (; i < n; i++) hi = max(hi, load<u32>(keys + ((<usize>i) << 2)));
  return hi < limit;
}

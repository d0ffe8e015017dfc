/**
 * Group-by aggregation over dense u32 keys (dictionary ids): one slot per group, scatter-add.
 * Keys are range-checked in a separate pass first, so a failing batch changes nothing.
 */
import { keysBelow } from './keys';
import { STATUS_INDEX_OUT_OF_RANGE, STATUS_OK } from './status';

/**
 * counts[keys[i]] += 1 for i < n (u32, wrapping). `counts`: nGroups u32; `keys`: n u32; both
 * 4-byte aligned. STATUS_INDEX_OUT_OF_RANGE (nothing written) when some key >= nGroups. O(n).
 */
export function group_count_u32(counts: usize, nGroups: u32, keys: usize, n: u32): i32 {
  if (!keysBelow(keys, n, nGroups)) return STATUS_INDEX_OUT_OF_RANGE;
  for (let i: u32 = 0; i < n; i++) {
    const p = counts + ((<usize>load<u32>(keys + ((<usize>i) << 2))) << 2);
    store<u32>(p, load<u32>(p) + 1);
  }
  return STATUS_OK;
}

/**
 * sums[keys[i]] += values[i] for i < n. `sums`: nGroups f64 (8-byte aligned); `keys`: n u32;
 * `values`: n f64. STATUS_INDEX_OUT_OF_RANGE (nothing written) when some key >= nGroups. O(n).
 */
export function group_sum_f64(sums: usize, nGroups: u32, keys: usize, values: usize, n: u32): i32 {
  if (!keysBelow(keys, n, nGroups)) return STATUS_INDEX_OUT_OF_RANGE;
  for (let i: u32 = 0; i < n; i++) {
    const p = sums + ((<usize>load<u32>(keys + ((<usize>i) << 2))) << 3);
    store<f64>(p, load<f64>(p) + load<f64>(values + ((<usize>i) << 3)));
  }
  return STATUS_OK;
}

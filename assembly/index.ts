/**
 * aisle kernels: pointer + count batch functions over one imported linear memory. Nothing here
 * allocates; TypeScript owns every byte above heap_base() (see engine/wasm/arena.ts). One source
 * yields both builds: ASC_FEATURE_SIMD selects the v128 paths at compile time.
 */
export { STATUS_OK, STATUS_INDEX_OUT_OF_RANGE, STATUS_BAD_ARGUMENT } from './status';
export { dot_f32_batch, cosine_f32_batch } from './dot';
export { topk_f32, topk_f64 } from './topk';
export {
  scatter_add_decayed_f64,
  scale_f64,
  decayed_scores_f64,
  trend_scores_f64,
} from './counters';
export { group_count_u32, group_sum_f64 } from './groupby';
export { window_group_by_u32 } from './window-groupby';
export { gram_f32, als_cg_rows } from './als';

/** 1 when this build was compiled with SIMD enabled, so the loader can tell what it really got. */
export const BUILD_SIMD: i32 = ASC_FEATURE_SIMD ? 1 : 0;

/** First byte past the module's static data; the arena starts at the next 16-byte boundary. */
export function heap_base(): usize {
  return __heap_base;
}

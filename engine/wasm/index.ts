/**
 * WebAssembly kernels: loader (SIMD build with scalar fallback), the arena over the one linear
 * memory, the typed kernel wrapper, and the plain TypeScript reference of every kernel.
 */
export { loadKernels, Kernels, type LoadKernelsOptions } from './kernels.js';
export {
  Arena,
  ARENA_ALIGN,
  MAX_PAGES,
  PAGE_BYTES,
  type ArenaStats,
  type ScratchMark,
} from './arena.js';
export { KernelStatus, statusName, type KernelStatusName } from './status.js';
export { simdSupported, selectBuild, wasmPath, type KernelBuild } from './loader.js';
export * as reference from './reference.js';

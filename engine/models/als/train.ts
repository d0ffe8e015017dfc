/**
 * Implicit-feedback ALS training on the WASM kernels: per half-iteration one Gram kernel call for
 * the fixed side and one conjugate-gradient kernel call over every row of the side being solved.
 */
import { performance } from 'node:perf_hooks';
import type { Kernels } from '../../wasm/index.js';
import { nnz, type Csr } from '../csr.js';
import { checkCsr, transposeCsr } from './csr-build.js';
import { fillInitial, mulberry32 } from './init.js';
import { resolveAlsOptions, type AlsOptions } from './options.js';

/** Trained factors: row-major f32, one row per user and per item. */
export interface AlsFactors {
  factors: number;
  users: number;
  items: number;
  /** users × factors. */
  userFactors: Float32Array;
  /** items × factors. */
  itemFactors: Float32Array;
}

/** Called after each full iteration (1-based) with the seconds it took. */
export type AlsProgress = (iteration: number, seconds: number) => void;

/** One CSR matrix copied into the arena. */
interface ArenaCsr {
  rows: number;
  indptr: number;
  indices: number;
  values: number;
}

/**
 * Trains implicit ALS on `userItems` (users × items, values = interaction weights ≥ 0; confidence
 * 1 + alpha · value, preference 1 per stored entry). Deterministic for a seed and a kernel build:
 * item factors are drawn after the user factors from one generator. All arena memory it takes is
 * freed before it returns or throws. Throws AISLE_INVALID_ARGUMENT for bad options or a malformed
 * matrix. O(iterations · (nnz · factors · (1 + 2 · cgSteps) + (users + items) · factors² · (2 + cgSteps))).
 */
export function trainAls(
  kernels: Kernels,
  userItems: Csr,
  options: Partial<AlsOptions> = {},
  onIteration?: AlsProgress,
): AlsFactors {
  const o = resolveAlsOptions(options);
  checkCsr(userItems, 'userItems');
  const itemUsers = transposeCsr(userItems);
  const f = o.factors;
  const users = userItems.rows;
  const items = userItems.cols;
  const next = mulberry32(o.seed);
  const x0 = fillInitial(new Float32Array(users * f), next);
  const y0 = fillInitial(new Float32Array(items * f), next);

  const { arena } = kernels;
  const taken: number[] = [];
  const take = (bytes: number): number => {
    const ptr = arena.alloc(bytes);
    taken.push(ptr);
    return ptr;
  };
  try {
    // Every allocation comes before the first view: an allocation may grow (and detach) memory.
    const x = take(x0.byteLength);
    const y = take(y0.byteLength);
    const gram = take(f * f * 4);
    const scratch = take(3 * f * 4);
    const byUser = place(userItems, take);
    const byItem = place(itemUsers, take);
    arena.f32(x, x0.length).set(x0);
    arena.f32(y, y0.length).set(y0);
    fill(kernels, byUser, userItems);
    fill(kernels, byItem, itemUsers);

    const half = (solve: number, fixed: number, fixedRows: number, rows: ArenaCsr): void => {
      kernels.gramF32(gram, fixed, fixedRows, f, o.regularization);
      kernels.alsCgRows(
        solve,
        fixed,
        fixedRows,
        gram,
        rows.indptr,
        rows.indices,
        rows.values,
        0,
        rows.rows,
        f,
        o.alpha,
        o.cgSteps,
        scratch,
      );
    };
    for (let it = 1; it <= o.iterations; it++) {
      const t0 = performance.now();
      half(x, y, items, byUser);
      half(y, x, users, byItem);
      onIteration?.(it, (performance.now() - t0) / 1000);
    }
    return {
      factors: f,
      users,
      items,
      userFactors: arena.f32(x, users * f).slice(),
      itemFactors: arena.f32(y, items * f).slice(),
    };
  } finally {
    // Newest first, so each block meets the heap top and gives the memory back to it.
    for (let i = taken.length - 1; i >= 0; i--) arena.free(taken[i]!);
  }
}

function place(m: Csr, take: (bytes: number) => number): ArenaCsr {
  const n = nnz(m);
  return {
    rows: m.rows,
    indptr: take((m.rows + 1) * 4),
    indices: take(n * 4),
    values: take(n * 4),
  };
}

function fill(kernels: Kernels, at: ArenaCsr, m: Csr): void {
  const n = nnz(m);
  kernels.arena.u32(at.indptr, m.rows + 1).set(m.indptr);
  kernels.arena.u32(at.indices, n).set(m.indices.subarray(0, n));
  kernels.arena.f32(at.values, n).set(m.values.subarray(0, n));
}

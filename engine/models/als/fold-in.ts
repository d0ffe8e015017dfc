/**
 * Online fold-in: a user's vector from their interactions against fixed item factors, the same
 * CG solve training does for one row. The item side's YᵀY + λI is computed once and kept in the
 * arena next to the item factors, so a fold-in costs O(nnz · factors + factors²) per CG step.
 */
import { AisleError } from '../../errors.js';
import type { Kernels } from '../../wasm/index.js';

/** Item factors and their regularised Gram matrix, in one kernel instance's arena. */
export interface ResidentItems {
  readonly factors: number;
  readonly items: number;
  /** Pointer to items × factors f32. */
  readonly itemFactors: number;
  /** Pointer to factors × factors f32: YᵀY + λI. */
  readonly gram: number;
}

/** What a fold-in solve needs beyond the factors. */
export interface FoldInOptions {
  /** Confidence of a stored entry is 1 + alpha · value. */
  alpha: number;
  /** Conjugate-gradient steps. */
  cgSteps: number;
}

function invalid(message: string, field: string): AisleError {
  return new AisleError('AISLE_INVALID_ARGUMENT', message, { field });
}

/**
 * Copies `itemFactors` (items × factors) into persistent arena memory and computes YᵀY + λI
 * beside it. Give the memory back with `releaseItems`. O(items · factors²).
 */
export function residentItems(
  kernels: Kernels,
  itemFactors: Float32Array,
  items: number,
  factors: number,
  regularization: number,
): ResidentItems {
  if (itemFactors.length !== items * factors) {
    throw invalid(
      `itemFactors must hold items × factors = ${items * factors} floats`,
      'itemFactors',
    );
  }
  const { arena } = kernels;
  const y = arena.alloc(itemFactors.byteLength);
  let gram: number;
  try {
    gram = arena.alloc(factors * factors * 4);
  } catch (err) {
    arena.free(y);
    throw err;
  }
  arena.f32(y, itemFactors.length).set(itemFactors);
  try {
    kernels.gramF32(gram, y, items, factors, regularization);
  } catch (err) {
    releaseItems(kernels, { factors, items, itemFactors: y, gram });
    throw err;
  }
  return { factors, items, itemFactors: y, gram };
}

/** Frees what `residentItems` allocated. */
export function releaseItems(kernels: Kernels, r: ResidentItems): void {
  kernels.arena.free(r.gram);
  kernels.arena.free(r.itemFactors);
}

/**
 * The user vector for interactions (items[i], values[i]) with the item side fixed: `cgSteps` CG
 * steps from `x0` (default zero) on the implicit-ALS normal equations. Items should be distinct
 * (sum the weights of repeats first). Throws AISLE_INVALID_ARGUMENT for an unknown item, a
 * negative or non-finite value, or mismatched lengths. O(cgSteps · (n · factors + factors²)).
 */
export function foldInUser(
  kernels: Kernels,
  resident: ResidentItems,
  items: Uint32Array,
  values: Float32Array,
  options: FoldInOptions,
  x0?: Float32Array,
): Float32Array {
  const n = items.length;
  const f = resident.factors;
  if (values.length !== n) throw invalid('items and values must have the same length', 'values');
  if (x0 !== undefined && x0.length !== f) throw invalid(`x0 must have ${f} elements`, 'x0');
  for (let i = 0; i < n; i++) {
    if (!(items[i]! < resident.items)) {
      throw invalid(`items[${i}] = ${items[i]} is not below ${resident.items}`, 'items');
    }
    const v = values[i]!;
    if (!(v >= 0) || v === Infinity) {
      throw invalid(`values[${i}] = ${v} is not finite and ≥ 0`, 'values');
    }
  }
  const { arena } = kernels;
  return arena.withScratch(() => {
    const indptr = arena.scratch(8);
    const idx = arena.scratch(n * 4);
    const val = arena.scratch(n * 4);
    const x = arena.scratch(f * 4);
    const scratch = arena.scratch(3 * f * 4);
    const offsets = arena.u32(indptr, 2);
    offsets[0] = 0;
    offsets[1] = n;
    arena.u32(idx, n).set(items);
    arena.f32(val, n).set(values);
    const xv = arena.f32(x, f);
    if (x0 === undefined) xv.fill(0);
    else xv.set(x0);
    kernels.alsCgRows(
      x,
      resident.itemFactors,
      resident.items,
      resident.gram,
      indptr,
      idx,
      val,
      0,
      1,
      f,
      options.alpha,
      options.cgSteps,
      scratch,
    );
    return arena.f32(x, f).slice();
  });
}

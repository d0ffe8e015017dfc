/**
 * Maximum inner product search through a cosine index (Bachrach et al. 2014, "Speeding up the
 * Xbox recommender system using a Euclidean transformation for inner-product spaces").
 *
 * ALS ranks items by x·y, but the ANN indexes rank by cosine. Give each item one more coordinate,
 * sqrt(M² − |y|²) with M the largest item norm, so every augmented item has norm M; give the
 * query a 0 there. Then cos(q̃, ỹ) = x·y / (|x| · M): for a fixed query, ranking by cosine is
 * ranking by inner product.
 */
import { AisleError } from '../../errors.js';

/** Item vectors augmented for a cosine index, and the norm they all share. */
export interface MipsItems {
  /** Augmented dimension: factors + 1. */
  dim: number;
  /** items × (factors + 1), row-major. */
  vectors: Float32Array;
  /** M: the largest item norm, the norm of every augmented row. */
  maxNorm: number;
}

/**
 * Augments `itemFactors` (items × factors). Throws AISLE_INVALID_ARGUMENT when the shape is wrong
 * or every item is zero (no direction to rank by). O(items · factors).
 */
export function mipsItems(itemFactors: Float32Array, factors: number): MipsItems {
  if (!Number.isInteger(factors) || factors < 1 || itemFactors.length % factors !== 0) {
    throw new AisleError('AISLE_INVALID_ARGUMENT', 'itemFactors must be items × factors', {
      field: 'itemFactors',
    });
  }
  const items = itemFactors.length / factors;
  const norms2 = new Float64Array(items);
  let max2 = 0;
  for (let i = 0; i < items; i++) {
    let s = 0;
    for (let j = 0; j < factors; j++) s += itemFactors[i * factors + j]! ** 2;
    norms2[i] = s;
    if (s > max2) max2 = s;
  }
  if (!(max2 > 0) || !Number.isFinite(max2)) {
    throw new AisleError('AISLE_INVALID_ARGUMENT', 'item factors are all zero or not finite', {
      field: 'itemFactors',
    });
  }
  const dim = factors + 1;
  const vectors = new Float32Array(items * dim);
  for (let i = 0; i < items; i++) {
    vectors.set(itemFactors.subarray(i * factors, (i + 1) * factors), i * dim);
    // Rounding can push the longest item a hair past M²; clamp rather than take sqrt of < 0.
    vectors[i * dim + factors] = Math.sqrt(Math.max(0, max2 - norms2[i]!));
  }
  return { dim, vectors, maxNorm: Math.sqrt(max2) };
}

/** The query for a user vector: the same coordinates and a 0 in the extra one. */
export function mipsQuery(userVector: Float32Array): Float32Array {
  const out = new Float32Array(userVector.length + 1);
  out.set(userVector);
  return out;
}

/** Turns a cosine score from the index back into the inner product x·y. */
export function mipsScore(cosine: number, userVector: Float32Array, maxNorm: number): number {
  let s = 0;
  for (let j = 0; j < userVector.length; j++) s += userVector[j]! ** 2;
  return cosine * Math.sqrt(s) * maxNorm;
}

import { AisleError } from '../errors.js';

/**
 * Unit-length copy of row `row` of a row-major matrix; cosine similarity then becomes a dot
 * product, which both indexes compute. Throws on a zero or non-finite row: it has no direction.
 */
export function unitRow(vectors: Float32Array, row: number, dim: number): Float32Array {
  const out = vectors.slice(row * dim, row * dim + dim);
  let norm = 0;
  for (let i = 0; i < dim; i++) norm += out[i]! * out[i]!;
  if (!(norm > 0) || !Number.isFinite(norm)) {
    throw new AisleError('AISLE_INVALID_ARGUMENT', `vector ${row} is zero or not finite`, { row });
  }
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < dim; i++) out[i] = out[i]! * inv;
  return out;
}

export function checkShape(labels: Uint32Array, vectors: Float32Array, dim: number): void {
  if (vectors.length !== labels.length * dim) {
    throw new AisleError(
      'AISLE_INVALID_ARGUMENT',
      `vectors must hold labels.length × dim = ${labels.length * dim} floats, not ${vectors.length}`,
    );
  }
}

/** How an index compares vectors: cosine similarity, or the raw inner product. */
export type Metric = 'cosine' | 'ip';

/**
 * Row `row` as the index stores it: unit length for cosine, as given for inner product. Throws
 * on a zero or non-finite row either way: it can never rank anything.
 */
export function indexRow(
  vectors: Float32Array,
  row: number,
  dim: number,
  metric: Metric,
): Float32Array {
  if (metric === 'cosine') return unitRow(vectors, row, dim);
  const out = vectors.slice(row * dim, row * dim + dim);
  let norm = 0;
  for (let i = 0; i < dim; i++) norm += out[i]! * out[i]!;
  if (!(norm > 0) || !Number.isFinite(norm)) {
    throw new AisleError('AISLE_INVALID_ARGUMENT', `vector ${row} is zero or not finite`, { row });
  }
  return out;
}

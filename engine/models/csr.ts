/**
 * A compressed sparse row matrix: the shape interaction data takes between the models that
 * collect it (user history) and the ones that learn from it (ALS). Row r's entries are
 * `indices[indptr[r] .. indptr[r + 1])` with `values` alongside; column indices ascend in a row.
 */
export interface Csr {
  rows: number;
  cols: number;
  /** rows + 1 offsets into `indices` / `values`. */
  indptr: Uint32Array;
  indices: Uint32Array;
  values: Float32Array;
}

/** Non-zero entries. */
export function nnz(m: Csr): number {
  return m.indptr[m.rows] ?? 0;
}

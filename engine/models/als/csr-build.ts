/**
 * Building, checking and transposing the CSR matrices ALS trains on.
 */
import { AisleError } from '../../errors.js';
import { nnz, type Csr } from '../csr.js';

function bad(field: string, message: string): AisleError {
  return new AisleError('AISLE_INVALID_ARGUMENT', message, { field });
}

/**
 * Throws AisleError('AISLE_INVALID_ARGUMENT') naming the field unless `m` is a well-formed CSR
 * matrix whose values can be ALS confidences: indptr of rows + 1 non-decreasing offsets from 0,
 * indices below cols, values finite and ≥ 0. Column order within a row is not required. O(nnz).
 */
export function checkCsr(m: Csr, name = 'matrix'): void {
  const count = (v: unknown): boolean =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
  if (!count(m.rows) || !count(m.cols)) {
    throw bad(`${name}.rows`, `${name}: rows and cols must be integers in 0..2^32-1`);
  }
  if (!(m.indptr instanceof Uint32Array) || m.indptr.length !== m.rows + 1 || m.indptr[0] !== 0) {
    throw bad(`${name}.indptr`, `${name}: indptr must be a Uint32Array of rows + 1 offsets from 0`);
  }
  for (let r = 0; r < m.rows; r++) {
    if (m.indptr[r]! > m.indptr[r + 1]!) {
      throw bad(`${name}.indptr`, `${name}: indptr decreases at row ${r}`);
    }
  }
  const n = nnz(m);
  if (!(m.indices instanceof Uint32Array) || m.indices.length !== n) {
    throw bad(`${name}.indices`, `${name}: indices must be a Uint32Array of indptr[rows] (${n})`);
  }
  if (!(m.values instanceof Float32Array) || m.values.length !== n) {
    throw bad(`${name}.values`, `${name}: values must be a Float32Array of indptr[rows] (${n})`);
  }
  for (let e = 0; e < n; e++) {
    if (!(m.indices[e]! < m.cols)) {
      throw bad(`${name}.indices`, `${name}: indices[${e}] = ${m.indices[e]} is not below cols`);
    }
    const v = m.values[e]!;
    if (!(v >= 0) || v === Infinity) {
      throw bad(`${name}.values`, `${name}: values[${e}] = ${v} is not finite and ≥ 0`);
    }
  }
}

/**
 * The transpose (cols × rows), with ascending column indices in every row: a counting sort over
 * the columns, so O(nnz + rows + cols).
 */
export function transposeCsr(m: Csr): Csr {
  const n = nnz(m);
  const indptr = new Uint32Array(m.cols + 1);
  for (let e = 0; e < n; e++) indptr[m.indices[e]! + 1]!++;
  for (let c = 0; c < m.cols; c++) indptr[c + 1]! += indptr[c]!;
  const next = indptr.slice(0, m.cols);
  const indices = new Uint32Array(n);
  const values = new Float32Array(n);
  for (let r = 0; r < m.rows; r++) {
    for (let e = m.indptr[r]!; e < m.indptr[r + 1]!; e++) {
      const at = next[m.indices[e]!]!++;
      indices[at] = r;
      values[at] = m.values[e]!;
    }
  }
  return { rows: m.cols, cols: m.rows, indptr, indices, values };
}

/**
 * A rows × cols CSR matrix from coordinate triples (row[i], col[i], value[i]); duplicates are
 * summed, columns ascend in each row. Throws AISLE_INVALID_ARGUMENT for mismatched lengths or a
 * coordinate out of range. O(n + rows + cols).
 */
export function csrFromTriples(
  rows: number,
  cols: number,
  row: Uint32Array,
  col: Uint32Array,
  value: Float32Array,
): Csr {
  const n = row.length;
  if (col.length !== n || value.length !== n) {
    throw bad('col', 'row, col and value must have the same length');
  }
  for (let i = 0; i < n; i++) {
    if (!(row[i]! < rows)) throw bad('row', `row[${i}] = ${row[i]} is not below rows (${rows})`);
    if (!(col[i]! < cols)) throw bad('col', `col[${i}] = ${col[i]} is not below cols (${cols})`);
  }
  const byRow = new Uint32Array(rows + 1);
  for (let i = 0; i < n; i++) byRow[row[i]! + 1]!++;
  for (let r = 0; r < rows; r++) byRow[r + 1]! += byRow[r]!;
  const next = byRow.slice(0, rows);
  const indices = new Uint32Array(n);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const at = next[row[i]!]!++;
    indices[at] = col[i]!;
    values[at] = value[i]!;
  }
  // Two counting-sort transposes leave every row's columns ascending, duplicates adjacent.
  const sorted = transposeCsr(transposeCsr({ rows, cols, indptr: byRow, indices, values }));
  return sumDuplicates(sorted);
}

function sumDuplicates(m: Csr): Csr {
  const indptr = new Uint32Array(m.rows + 1);
  const indices = new Uint32Array(nnz(m));
  const values = new Float32Array(nnz(m));
  let w = 0;
  for (let r = 0; r < m.rows; r++) {
    const start = w;
    for (let e = m.indptr[r]!; e < m.indptr[r + 1]!; e++) {
      if (w > start && indices[w - 1] === m.indices[e]) values[w - 1]! += m.values[e]!;
      else {
        indices[w] = m.indices[e]!;
        values[w++] = m.values[e]!;
      }
    }
    indptr[r + 1] = w;
  }
  return {
    rows: m.rows,
    cols: m.cols,
    indptr,
    indices: indices.slice(0, w),
    values: values.slice(0, w),
  };
}

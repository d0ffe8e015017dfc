/**
 * Implicit-feedback ALS (Hu, Koren, Volinsky 2008) solved with conjugate gradient, as in the
 * `least_squares_cg` of the Python `implicit` library (Frederickson): a Gram matrix per
 * half-iteration, then a few CG steps per row that never form the row's own dim x dim matrix.
 *
 * Everything is f32 and accumulated in f32, like `implicit`'s float32 path. The helpers below
 * contain loops, so Binaryen keeps them as calls; one call costs a few nanoseconds against the
 * dim multiply-adds each does, which is why they exist instead of repeating every loop inline
 * for both builds. Vectors need only 4-byte alignment (v128.load accepts any address) and any
 * `dim` works: the SIMD paths finish with a scalar tail.
 */
import { STATUS_BAD_ARGUMENT, STATUS_INDEX_OUT_OF_RANGE, STATUS_OK } from './status';

// Below this squared residual norm a row counts as solved (the constant `implicit` uses).
const CG_DONE: f32 = 1e-20;

/** sum_j a[j] * b[j] over dim f32. */
function dot(a: usize, b: usize, dim: u32): f32 {
  let j: u32 = 0;
  let sum: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    const d16 = dim & ~15;
    const d4 = dim & ~3;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    for (; j < d16; j += 16) {
      const o = (<usize>j) << 2;
      a0 = f32x4.add(a0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(a + o, 32), v128.load(b + o, 32)));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(a + o, 48), v128.load(b + o, 48)));
    }
    for (; j < d4; j += 4) {
      const o = (<usize>j) << 2;
      a0 = f32x4.add(a0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    }
    const s = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
    sum =
      f32x4.extract_lane(s, 0) +
      f32x4.extract_lane(s, 1) +
      (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  } else {
    const d4 = dim & ~3;
    let s0: f32 = 0;
    let s1: f32 = 0;
    let s2: f32 = 0;
    let s3: f32 = 0;
    for (; j < d4; j += 4) {
      const o = (<usize>j) << 2;
      s0 += load<f32>(a + o) * load<f32>(b + o);
      s1 += load<f32>(a + o, 4) * load<f32>(b + o, 4);
      s2 += load<f32>(a + o, 8) * load<f32>(b + o, 8);
      s3 += load<f32>(a + o, 12) * load<f32>(b + o, 12);
    }
    sum = s0 + s1 + (s2 + s3);
  }
  for (; j < dim; j++) {
    const o = (<usize>j) << 2;
    sum += load<f32>(a + o) * load<f32>(b + o);
  }
  return sum;
}

/** y[j] += s * x[j] over dim f32. */
function axpy(y: usize, s: f32, x: usize, dim: u32): void {
  let j: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    const v = f32x4.splat(s);
    const d8 = dim & ~7;
    const d4 = dim & ~3;
    for (; j < d8; j += 8) {
      const o = (<usize>j) << 2;
      v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(v, v128.load(x + o))));
      v128.store(y + o, f32x4.add(v128.load(y + o, 16), f32x4.mul(v, v128.load(x + o, 16))), 16);
    }
    for (; j < d4; j += 4) {
      const o = (<usize>j) << 2;
      v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(v, v128.load(x + o))));
    }
  }
  for (; j < dim; j++) {
    const o = (<usize>j) << 2;
    store<f32>(y + o, load<f32>(y + o) + s * load<f32>(x + o));
  }
}

/**
 * out += sum over the four rows a..d of scale_k * row_k (each dim f32). Four rank-one updates
 * share one load and store of `out`, which is what bounds the Gram and matrix-vector products.
 */
function axpy4(
  out: usize,
  sa: f32,
  a: usize,
  sb: f32,
  b: usize,
  sc: f32,
  c: usize,
  sd: f32,
  d: usize,
  dim: u32,
): void {
  let j: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(sa);
    const vb = f32x4.splat(sb);
    const vc = f32x4.splat(sc);
    const vd = f32x4.splat(sd);
    const d4 = dim & ~3;
    for (; j < d4; j += 4) {
      const o = (<usize>j) << 2;
      const ab = f32x4.add(f32x4.mul(va, v128.load(a + o)), f32x4.mul(vb, v128.load(b + o)));
      const cd = f32x4.add(f32x4.mul(vc, v128.load(c + o)), f32x4.mul(vd, v128.load(d + o)));
      v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.add(ab, cd)));
    }
  }
  for (; j < dim; j++) {
    const o = (<usize>j) << 2;
    const ab = sa * load<f32>(a + o) + sb * load<f32>(b + o);
    const cd = sc * load<f32>(c + o) + sd * load<f32>(d + o);
    store<f32>(out + o, load<f32>(out + o) + (ab + cd));
  }
}

/**
 * out = s * A v for a symmetric dim x dim row-major A: column j of A is its row j, so the product
 * is a sum of rows scaled by v[j] and needs no horizontal adds.
 */
function symv(out: usize, s: f32, a: usize, v: usize, dim: u32): void {
  memory.fill(out, 0, (<usize>dim) << 2);
  const stride = (<usize>dim) << 2;
  const d4 = dim & ~3;
  let j: u32 = 0;
  for (; j < d4; j += 4) {
    const vj = v + ((<usize>j) << 2);
    const row = a + <usize>j * stride;
    axpy4(
      out,
      s * load<f32>(vj),
      row,
      s * load<f32>(vj, 4),
      row + stride,
      s * load<f32>(vj, 8),
      row + 2 * stride,
      s * load<f32>(vj, 12),
      row + 3 * stride,
      dim,
    );
  }
  for (; j < dim; j++) {
    axpy(out, s * load<f32>(v + ((<usize>j) << 2)), a + <usize>j * stride, dim);
  }
}

/**
 * out = M^T M + reg * I, where M is rows x dim f32 (row-major) and out is dim x dim f32
 * (row-major, both triangles written). Each row of out accumulates four rank-one updates per
 * pass in f32: adequate for ALS, whose factors are f32 and whose regularisation dominates the
 * rounding. STATUS_BAD_ARGUMENT (nothing written) when reg is not finite. O(rows * dim^2).
 */
export function gram_f32(out: usize, m: usize, rows: u32, dim: u32, reg: f64): i32 {
  if (!isFinite(reg)) return STATUS_BAD_ARGUMENT;
  const stride = (<usize>dim) << 2;
  memory.fill(out, 0, <usize>dim * stride);
  const r4 = rows & ~3;
  let r: u32 = 0;
  for (; r < r4; r += 4) {
    const m0 = m + <usize>r * stride;
    const m1 = m0 + stride;
    const m2 = m1 + stride;
    const m3 = m2 + stride;
    for (let j: u32 = 0; j < dim; j++) {
      const o = (<usize>j) << 2;
      axpy4(
        out + <usize>j * stride,
        load<f32>(m0 + o),
        m0,
        load<f32>(m1 + o),
        m1,
        load<f32>(m2 + o),
        m2,
        load<f32>(m3 + o),
        m3,
        dim,
      );
    }
  }
  for (; r < rows; r++) {
    const mr = m + <usize>r * stride;
    for (let j: u32 = 0; j < dim; j++) {
      axpy(out + <usize>j * stride, load<f32>(mr + ((<usize>j) << 2)), mr, dim);
    }
  }
  const rg = <f32>reg;
  for (let j: u32 = 0; j < dim; j++) {
    const p = out + <usize>j * stride + ((<usize>j) << 2);
    store<f32>(p, load<f32>(p) + rg);
  }
  return STATUS_OK;
}

/**
 * Conjugate-gradient update of rows [rowStart, rowEnd) of x (dim f32 each, row-major, in place)
 * towards the implicit-ALS solution x_r = (Y^T C_r Y + reg I)^-1 Y^T C_r p_r, with confidence
 * c = 1 + alpha * value and preference 1 for each stored entry of row r (0 with confidence 1
 * elsewhere). `yty` is Y^T Y + reg I (dim x dim, from gram_f32); Y^T C_r Y is never formed: it is
 * applied as yty plus one rank-one term per stored entry.
 *
 * The row's entries are `indices` / `values` at [indptr[r], indptr[r + 1]) (u32 offsets, u32
 * column indices below yRows, f32 values). Each row starts from its current x, takes up to
 * cgSteps steps and stops early once |r|^2 < 1e-20; a row with no entries becomes 0. `scratch`
 * holds 3 * dim f32 (residual, direction, A * direction). One deviation from `implicit`: a
 * direction with p.Ap <= 0 (possible only without regularisation, or by underflow) ends the row
 * instead of dividing by it.
 *
 * Checked before the first write: alpha finite and >= 0, indptr non-decreasing, values finite
 * and >= 0 (STATUS_BAD_ARGUMENT), every column below yRows (STATUS_INDEX_OUT_OF_RANGE).
 * O(nnz * dim * (1 + 2 * cgSteps) + rows * dim^2 * (1 + cgSteps)).
 */
export function als_cg_rows(
  x: usize,
  y: usize,
  yRows: u32,
  yty: usize,
  indptr: usize,
  indices: usize,
  values: usize,
  rowStart: u32,
  rowEnd: u32,
  dim: u32,
  alpha: f64,
  cgSteps: u32,
  scratch: usize,
): i32 {
  if (!isFinite(alpha) || alpha < 0 || rowStart > rowEnd) return STATUS_BAD_ARGUMENT;
  for (let row = rowStart; row < rowEnd; row++) {
    const at = indptr + ((<usize>row) << 2);
    if (load<u32>(at) > load<u32>(at, 4)) return STATUS_BAD_ARGUMENT;
  }
  const first = load<u32>(indptr + ((<usize>rowStart) << 2));
  const last = load<u32>(indptr + ((<usize>rowEnd) << 2));
  for (let e = first; e < last; e++) {
    const v = load<f32>(values + ((<usize>e) << 2));
    if (!(v >= 0) || v == Infinity) return STATUS_BAD_ARGUMENT;
  }
  for (let e = first; e < last; e++) {
    if (load<u32>(indices + ((<usize>e) << 2)) >= yRows) return STATUS_INDEX_OUT_OF_RANGE;
  }

  const a = <f32>alpha;
  const stride = (<usize>dim) << 2;
  const res = scratch;
  const dir = scratch + stride;
  const adir = dir + stride;
  for (let row = rowStart; row < rowEnd; row++) {
    const xr = x + <usize>row * stride;
    const start = load<u32>(indptr + ((<usize>row) << 2));
    const end = load<u32>(indptr + ((<usize>row) << 2), 4);
    if (start == end) {
      memory.fill(xr, 0, stride);
      continue;
    }

    // res = Y^T C p - Y^T C Y x, with Y^T C Y = yty + sum (c - 1) y y^T over the stored entries.
    symv(res, -1, yty, xr, dim);
    for (let e = start; e < end; e++) {
      const yi = y + <usize>load<u32>(indices + ((<usize>e) << 2)) * stride;
      const cm1 = a * load<f32>(values + ((<usize>e) << 2));
      axpy(res, 1 + cm1 - cm1 * dot(yi, xr, dim), yi, dim);
    }
    memory.copy(dir, res, stride);
    let rsold = dot(res, res, dim);
    if (rsold < CG_DONE) continue;

    for (let step: u32 = 0; step < cgSteps; step++) {
      symv(adir, 1, yty, dir, dim);
      for (let e = start; e < end; e++) {
        const yi = y + <usize>load<u32>(indices + ((<usize>e) << 2)) * stride;
        const cm1 = a * load<f32>(values + ((<usize>e) << 2));
        axpy(adir, cm1 * dot(yi, dir, dim), yi, dim);
      }
      const pap = dot(dir, adir, dim);
      if (!(pap > 0)) break;
      const stepLen = rsold / pap;
      axpy(xr, stepLen, dir, dim);
      axpy(res, -stepLen, adir, dim);
      const rsnew = dot(res, res, dim);
      if (rsnew < CG_DONE) break;
      // dir = res + (rsnew / rsold) * dir
      const beta = rsnew / rsold;
      for (let j: u32 = 0; j < dim; j++) {
        const o = (<usize>j) << 2;
        store<f32>(dir + o, load<f32>(res + o) + beta * load<f32>(dir + o));
      }
      rsold = rsnew;
    }
  }
  return STATUS_OK;
}

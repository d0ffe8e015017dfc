/**
 * Row-major f32 matrix times one query vector: dot products and cosine similarities.
 *
 * Tail handling: the SIMD path of dot_f32_batch consumes 16 lanes per step with four independent
 * accumulators (so the adds do not serialise on one register), then 4 lanes per step, then the
 * last `dim % 4` elements one by one. Rows need not be 16-byte aligned (v128.load accepts any
 * address), so any `dim` works; aligned rows (dim a multiple of 4, matrix 16-aligned) are just
 * faster. Sums are accumulated in f32 in an order that differs from a sequential loop, so results
 * match a plain loop only up to rounding.
 *
 * The per-row bodies are written inside the row loops on purpose: a helper called per row is not
 * inlined by Binaryen (it contains a loop) and prettier cannot parse AssemblyScript's @inline on
 * functions, so the call would cost a few nanoseconds per row.
 */
import { STATUS_OK } from './status';

/**
 * out[r] = sum_j q[j] * m[r*dim + j] for r < rows.
 * `out`: rows f32, `q`: dim f32, `m`: rows*dim f32, all at least 4-byte aligned. O(rows*dim).
 */
export function dot_f32_batch(out: usize, q: usize, m: usize, rows: u32, dim: u32): i32 {
  const stride = (<usize>dim) << 2;
  const d16 = dim & ~15;
  const d4 = dim & ~3;
  let r = m;
  for (let i: u32 = 0; i < rows; i++, r += stride) {
    let j: u32 = 0;
    let sum: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      for (; j < d16; j += 16) {
        const qp = q + ((<usize>j) << 2);
        const rp = r + ((<usize>j) << 2);
        a0 = f32x4.add(a0, f32x4.mul(v128.load(qp), v128.load(rp)));
        a1 = f32x4.add(a1, f32x4.mul(v128.load(qp, 16), v128.load(rp, 16)));
        a2 = f32x4.add(a2, f32x4.mul(v128.load(qp, 32), v128.load(rp, 32)));
        a3 = f32x4.add(a3, f32x4.mul(v128.load(qp, 48), v128.load(rp, 48)));
      }
      for (; j < d4; j += 4) {
        const o = (<usize>j) << 2;
        a0 = f32x4.add(a0, f32x4.mul(v128.load(q + o), v128.load(r + o)));
      }
      const a = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
      sum =
        f32x4.extract_lane(a, 0) +
        f32x4.extract_lane(a, 1) +
        (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
    } else {
      let s0: f32 = 0;
      let s1: f32 = 0;
      let s2: f32 = 0;
      let s3: f32 = 0;
      for (; j < d4; j += 4) {
        const o = (<usize>j) << 2;
        s0 += load<f32>(q + o) * load<f32>(r + o);
        s1 += load<f32>(q + o, 4) * load<f32>(r + o, 4);
        s2 += load<f32>(q + o, 8) * load<f32>(r + o, 8);
        s3 += load<f32>(q + o, 12) * load<f32>(r + o, 12);
      }
      sum = s0 + s1 + (s2 + s3);
    }
    for (; j < dim; j++) {
      const o = (<usize>j) << 2;
      sum += load<f32>(q + o) * load<f32>(r + o);
    }
    store<f32>(out + ((<usize>i) << 2), sum);
  }
  return STATUS_OK;
}

// Once per batch, so a plain loop; f64 so that a huge query cannot overflow its own norm.
function sumSquares(q: usize, dim: u32): f64 {
  let s: f64 = 0;
  for (let j: u32 = 0; j < dim; j++) {
    const v = <f64>load<f32>(q + ((<usize>j) << 2));
    s += v * v;
  }
  return s;
}

/**
 * out[r] = dot(q, row r) / (|q| * |row r|), or 0 when either norm is 0. Same layout and tail
 * handling as dot_f32_batch, 8 lanes per SIMD step: dot and row norm share each row load, with
 * two accumulators each. The division runs in f64 so |q|^2 * |row|^2 cannot overflow. Results may
 * exceed 1 in magnitude by rounding. O(rows*dim).
 */
export function cosine_f32_batch(out: usize, q: usize, m: usize, rows: u32, dim: u32): i32 {
  const qq = sumSquares(q, dim);
  const stride = (<usize>dim) << 2;
  const d8 = dim & ~7;
  const d4 = dim & ~3;
  let r = m;
  for (let i: u32 = 0; i < rows; i++, r += stride) {
    let j: u32 = 0;
    let dot: f32 = 0;
    let nrm: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      let d0 = f32x4.splat(0);
      let d1 = f32x4.splat(0);
      let n0 = f32x4.splat(0);
      let n1 = f32x4.splat(0);
      for (; j < d8; j += 8) {
        const qp = q + ((<usize>j) << 2);
        const rp = r + ((<usize>j) << 2);
        const r0 = v128.load(rp);
        const r1 = v128.load(rp, 16);
        d0 = f32x4.add(d0, f32x4.mul(v128.load(qp), r0));
        d1 = f32x4.add(d1, f32x4.mul(v128.load(qp, 16), r1));
        n0 = f32x4.add(n0, f32x4.mul(r0, r0));
        n1 = f32x4.add(n1, f32x4.mul(r1, r1));
      }
      for (; j < d4; j += 4) {
        const o = (<usize>j) << 2;
        const r0 = v128.load(r + o);
        d0 = f32x4.add(d0, f32x4.mul(v128.load(q + o), r0));
        n0 = f32x4.add(n0, f32x4.mul(r0, r0));
      }
      const d = f32x4.add(d0, d1);
      const n = f32x4.add(n0, n1);
      dot =
        f32x4.extract_lane(d, 0) +
        f32x4.extract_lane(d, 1) +
        (f32x4.extract_lane(d, 2) + f32x4.extract_lane(d, 3));
      nrm =
        f32x4.extract_lane(n, 0) +
        f32x4.extract_lane(n, 1) +
        (f32x4.extract_lane(n, 2) + f32x4.extract_lane(n, 3));
    } else {
      let d0: f32 = 0;
      let d1: f32 = 0;
      let n0: f32 = 0;
      let n1: f32 = 0;
      const d2 = dim & ~1;
      for (; j < d2; j += 2) {
        const o = (<usize>j) << 2;
        const r0 = load<f32>(r + o);
        const r1 = load<f32>(r + o, 4);
        d0 += load<f32>(q + o) * r0;
        d1 += load<f32>(q + o, 4) * r1;
        n0 += r0 * r0;
        n1 += r1 * r1;
      }
      dot = d0 + d1;
      nrm = n0 + n1;
    }
    for (; j < dim; j++) {
      const o = (<usize>j) << 2;
      const rj = load<f32>(r + o);
      dot += load<f32>(q + o) * rj;
      nrm += rj * rj;
    }
    const mm = <f64>nrm;
    const c: f32 = qq != 0 && mm != 0 ? <f32>(<f64>dot / Math.sqrt(qq * mm)) : 0;
    store<f32>(out + ((<usize>i) << 2), c);
  }
  return STATUS_OK;
}

import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isAisleError } from '../../../engine/errors.js';
import { KernelStatus, loadKernels, reference, type Kernels } from '../../../engine/wasm/index.js';
import { BUILDS, FC, place, rng, uniform } from './support.js';

const EPS32 = 2 ** -24;

interface Problem {
  yRows: number;
  rows: number;
  dim: number;
  y: Float32Array;
  yty: Float32Array;
  x: Float32Array;
  indptr: Uint32Array;
  indices: Uint32Array;
  values: Float32Array;
  alpha: number;
  reg: number;
}

/** Random factors and rows of distinct columns; every `emptyEvery`-th row has no entries. */
function problem(
  seed: number,
  yRows: number,
  rows: number,
  dim: number,
  maxPerRow: number,
  emptyEvery = 0,
): Problem {
  const next = rng(seed);
  const y = uniform(new Float32Array(yRows * dim), next);
  const x = uniform(new Float32Array(rows * dim), next, -0.1, 0.1);
  const indptr = new Uint32Array(rows + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let r = 0; r < rows; r++) {
    const want = emptyEvery > 0 && r % emptyEvery === 0 ? 0 : Math.floor(next() * maxPerRow);
    const picked = new Set<number>();
    for (let t = 0; t < want * 3 && picked.size < Math.min(want, yRows); t++) {
      picked.add(Math.floor(next() * yRows));
    }
    for (const c of [...picked].sort((a, b) => a - b)) {
      cols.push(c);
      vals.push(Math.floor(next() * 5) + (next() < 0.2 ? 0 : 1));
    }
    indptr[r + 1] = cols.length;
  }
  const reg = 0.05 + next();
  const yty = new Float32Array(dim * dim);
  reference.gramF32(yty, y, yRows, dim, reg);
  return {
    yRows,
    rows,
    dim,
    y,
    yty,
    x,
    indptr,
    indices: Uint32Array.from(cols),
    values: Float32Array.from(vals),
    alpha: next() * 2,
    reg,
  };
}

/** Solves A z = b for symmetric positive definite A (n×n, row-major) by Cholesky, in f64. */
function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = i === j ? Math.sqrt(s) : s / l[j * n + j]!;
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * z[k]!;
    z[i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * z[k]!;
    z[i] = s / l[i * n + i]!;
  }
  return z;
}

/** The exact implicit-ALS solution of row r: (YᵀY + λI + Σ α v y yᵀ) x = Σ (1 + α v) y. */
function directSolve(p: Problem, r: number): Float64Array {
  const { dim, y } = p;
  const a = Float64Array.from(p.yty);
  const b = new Float64Array(dim);
  for (let e = p.indptr[r]!; e < p.indptr[r + 1]!; e++) {
    const i = p.indices[e]!;
    const cm1 = p.alpha * p.values[e]!;
    for (let j = 0; j < dim; j++) {
      b[j]! += (1 + cm1) * y[i * dim + j]!;
      for (let l = 0; l < dim; l++) a[j * dim + l]! += cm1 * y[i * dim + j]! * y[i * dim + l]!;
    }
  }
  return choleskySolve(a, b, dim);
}

function maxAbs(a: ArrayLike<number>, from = 0, to = a.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function errorOf(fn: () => unknown): { code?: string; details?: Record<string, unknown> } {
  try {
    fn();
  } catch (err) {
    if (!isAisleError(err)) throw err;
    return { code: err.code, details: err.details };
  }
  return {};
}

describe.each(BUILDS)('ALS kernels ($name)', ({ simd }) => {
  let k: Kernels;
  beforeAll(async () => {
    k = await loadKernels({ simd });
  });

  /** Places a problem at the given element offsets and runs the kernel on rows [from, to). */
  function runCg(p: Problem, cgSteps: number, from = 0, to = p.rows, off = [0, 0, 0, 0, 0, 0, 0]) {
    return k.arena.withScratch(() => {
      const x = place(k, p.x, off[0]);
      const y = place(k, p.y, off[1]);
      const yty = place(k, p.yty, off[2]);
      const ip = place(k, p.indptr, off[3]);
      const ix = place(k, p.indices, off[4]);
      const v = place(k, p.values, off[5]);
      const sc = place(k, new Float32Array(3 * p.dim), off[6]);
      k.alsCgRows(
        x.ptr,
        y.ptr,
        p.yRows,
        yty.ptr,
        ip.ptr,
        ix.ptr,
        v.ptr,
        from,
        to,
        p.dim,
        p.alpha,
        cgSteps,
        sc.ptr,
      );
      for (const placed of [x, y, yty, ip, ix, v, sc]) expect(placed.guardIntact()).toBe(true);
      expect(Array.from(y.view())).toEqual(Array.from(p.y));
      expect(Array.from(v.view())).toEqual(Array.from(p.values));
      return x.view().slice();
    });
  }

  function gram(m: Float32Array, rows: number, dim: number, reg: number, offOut = 0, offM = 0) {
    return k.arena.withScratch(() => {
      const pm = place(k, m, offM);
      const out = place(k, new Float32Array(dim * dim).fill(Number.NaN), offOut);
      k.gramF32(out.ptr, pm.ptr, rows, dim, reg);
      expect(out.guardIntact()).toBe(true);
      return out.view().slice();
    });
  }

  it('gram_f32 matches the reference over sizes, tails and offsets', () => {
    const arb = fc.record({
      rows: fc.integer({ min: 0, max: 70 }),
      dim: fc.integer({ min: 0, max: 40 }),
      seed: fc.nat(),
      offOut: fc.integer({ min: 0, max: 3 }),
      offM: fc.integer({ min: 0, max: 3 }),
      reg: fc.double({ min: 0, max: 2, noNaN: true }),
    });
    fc.assert(
      fc.property(arb, (c) => {
        const m = uniform(new Float32Array(c.rows * c.dim), rng(c.seed));
        const want = new Float32Array(c.dim * c.dim);
        reference.gramF32(want, m, c.rows, c.dim, c.reg);
        const got = gram(m, c.rows, c.dim, c.reg, c.offOut, c.offM);
        for (let j = 0; j < c.dim; j++) {
          for (let l = 0; l < c.dim; l++) {
            let abs = 0;
            for (let r = 0; r < c.rows; r++) abs += Math.abs(m[r * c.dim + j]! * m[r * c.dim + l]!);
            const tol = (c.rows + 4) * EPS32 * (abs + c.reg) * 2 + 1e-30;
            const at = j * c.dim + l;
            expect(Math.abs(got[at]! - want[at]!), `(${j}, ${l})`).toBeLessThanOrEqual(tol);
          }
        }
      }),
      FC,
    );
  });

  it('gram_f32 is symmetric and exact on small integers', () => {
    const m = new Float32Array([1, 2, 0, -1, 3, 1, 2, 0, 1, 1, 1, 1, 0, 0, 2]);
    const got = gram(m, 5, 3, 0.5);
    // mᵀm = [[7, 0, 2], [0, 14, 4], [2, 4, 7]]
    expect(Array.from(got)).toEqual([7.5, 0, 2, 0, 14.5, 4, 2, 4, 7.5]);
  });

  it('als_cg_rows matches the reference over sizes, tails and offsets', () => {
    const arb = fc.record({
      seed: fc.nat(),
      // At least dim rows of Y: with fewer, only λ bounds the condition number and f32 CG
      // drifts from the f64 reference by more than rounding.
      yExtra: fc.integer({ min: 0, max: 40 }),
      rows: fc.integer({ min: 0, max: 12 }),
      dim: fc.integer({ min: 1, max: 37 }),
      maxPerRow: fc.integer({ min: 0, max: 15 }),
      cgSteps: fc.integer({ min: 0, max: 4 }),
      off: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 7, maxLength: 7 }),
    });
    fc.assert(
      fc.property(arb, (c) => {
        const p = problem(c.seed, c.dim + c.yExtra, c.rows, c.dim, c.maxPerRow, 4);
        const want = p.x.slice();
        const status = reference.alsCgRows(
          want,
          p.y,
          p.yRows,
          p.yty,
          p.indptr,
          p.indices,
          p.values,
          0,
          p.rows,
          p.dim,
          p.alpha,
          c.cgSteps,
        );
        expect(status).toBe(KernelStatus.OK);
        const got = runCg(p, c.cgSteps, 0, p.rows, c.off);
        for (let r = 0; r < p.rows; r++) {
          const scale = maxAbs(want, r * p.dim, (r + 1) * p.dim) + 1e-3;
          for (let j = 0; j < p.dim; j++) {
            const at = r * p.dim + j;
            expect(Math.abs(got[at]! - want[at]!), `row ${r} [${j}]`).toBeLessThanOrEqual(
              2e-3 * scale,
            );
          }
        }
      }),
      { ...FC, numRuns: 150 },
    );
  });

  it.each([1, 2, 3, 4, 5, 8, 13, 16])(
    'enough CG steps reach the direct (Cholesky) solution at dim %i',
    (dim) => {
      for (let seed = 1; seed <= 5; seed++) {
        const p = problem(seed * 31 + dim, 30, 4, dim, 12, 0);
        const got = runCg(p, 3 * dim + 5);
        for (let r = 0; r < p.rows; r++) {
          if (p.indptr[r] === p.indptr[r + 1]) continue;
          const exact = directSolve(p, r);
          const scale = maxAbs(exact);
          for (let j = 0; j < dim; j++) {
            expect(
              Math.abs(got[r * dim + j]! - exact[j]!),
              `seed ${seed} row ${r} [${j}]`,
            ).toBeLessThanOrEqual(1e-3 * scale + 1e-6);
          }
        }
      }
    },
  );

  it('zeroes rows without entries and leaves rows outside the range alone', () => {
    const p = problem(7, 20, 6, 5, 6, 2);
    const got = runCg(p, 3, 2, 5);
    for (let r = 0; r < 6; r++) {
      const row = Array.from(got.subarray(r * 5, r * 5 + 5));
      if (r < 2 || r >= 5)
        expect(row, `row ${r}`).toEqual(Array.from(p.x.subarray(r * 5, r * 5 + 5)));
      else if (r % 2 === 0) expect(row, `row ${r}`).toEqual([0, 0, 0, 0, 0]);
      else expect(row, `row ${r}`).not.toEqual(Array.from(p.x.subarray(r * 5, r * 5 + 5)));
    }
  });

  it('takes no step when cgSteps is 0, but still zeroes empty rows', () => {
    const p = problem(8, 20, 4, 6, 6, 2);
    const got = runCg(p, 0);
    expect(Array.from(got.subarray(6, 12))).toEqual(Array.from(p.x.subarray(6, 12)));
    expect(Array.from(got.subarray(0, 6))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  describe('refusals', () => {
    const p = problem(9, 10, 3, 4, 5, 0);

    /** Runs with one argument changed; returns the error and whether x was left untouched. */
    function attempt(change: {
      alpha?: number;
      indices?: Uint32Array;
      values?: Float32Array;
      indptr?: Uint32Array;
      from?: number;
      to?: number;
      xAt?: 'y' | 'scratch';
      misalign?: boolean;
    }) {
      return k.arena.withScratch(() => {
        const x = place(k, p.x);
        const y = place(k, p.y);
        const yty = place(k, p.yty);
        const ip = place(k, change.indptr ?? p.indptr);
        const ix = place(k, change.indices ?? p.indices);
        const v = place(k, change.values ?? p.values);
        const sc = place(k, new Float32Array(3 * p.dim));
        const xPtr = change.xAt === 'y' ? y.ptr + 4 : change.xAt === 'scratch' ? sc.ptr : x.ptr;
        const err = errorOf(() =>
          k.alsCgRows(
            xPtr + (change.misalign ? 2 : 0),
            y.ptr,
            p.yRows,
            yty.ptr,
            ip.ptr,
            ix.ptr,
            v.ptr,
            change.from ?? 0,
            change.to ?? p.rows,
            p.dim,
            change.alpha ?? p.alpha,
            3,
            sc.ptr,
          ),
        );
        const unchanged = Array.from(x.view()).every((val, i) => val === p.x[i]);
        return { ...err, unchanged };
      });
    }

    it('refuses a bad alpha with a status and writes nothing', () => {
      for (const alpha of [Number.NaN, Infinity, -1]) {
        const r = attempt({ alpha });
        expect(r.code).toBe('AISLE_WASM_STATUS');
        expect(r.details?.['status']).toBe(KernelStatus.BAD_ARGUMENT);
        expect(r.unchanged).toBe(true);
      }
    });

    it('refuses a column past yRows, naming it, and writes nothing', () => {
      const indices = p.indices.slice();
      indices[indices.length - 1] = p.yRows;
      const r = attempt({ indices });
      expect(r.code).toBe('AISLE_WASM_STATUS');
      expect(r.details?.['status']).toBe(KernelStatus.INDEX_OUT_OF_RANGE);
      expect(r.details?.['index']).toBe(indices.length - 1);
      expect(r.unchanged).toBe(true);
    });

    it('refuses negative or non-finite values and a decreasing indptr', () => {
      for (const bad of [-1, Number.NaN, Infinity]) {
        const values = p.values.slice();
        values[1] = bad;
        const r = attempt({ values });
        expect(r.details?.['status']).toBe(KernelStatus.BAD_ARGUMENT);
        expect(r.unchanged).toBe(true);
      }
      const indptr = p.indptr.slice();
      indptr[1] = indptr[2]! + 1;
      const inner = attempt({ indptr });
      expect(inner.details?.['status']).toBe(KernelStatus.BAD_ARGUMENT);
      expect(inner.unchanged).toBe(true);
      const ends = new Uint32Array([0, 2, 4, 1]);
      expect(attempt({ indptr: ends, from: 1 }).code).toBe('AISLE_INVALID_ARGUMENT');
    });

    it('refuses bad ranges, overlaps and misaligned pointers in the wrapper', () => {
      expect(attempt({ from: 2, to: 1 }).code).toBe('AISLE_INVALID_ARGUMENT');
      expect(attempt({ to: 1.5 }).code).toBe('AISLE_INVALID_ARGUMENT');
      expect(attempt({ xAt: 'y' }).code).toBe('AISLE_INVALID_ARGUMENT');
      expect(attempt({ xAt: 'scratch' }).code).toBe('AISLE_INVALID_ARGUMENT');
      expect(attempt({ misalign: true }).code).toBe('AISLE_INVALID_ARGUMENT');
      expect(attempt({}).code).toBeUndefined();
    });

    it('gram_f32 refuses a non-finite reg and an output overlapping its input', () => {
      k.arena.withScratch(() => {
        const m = place(k, new Float32Array(16).fill(1));
        const out = place(k, new Float32Array(16).fill(7));
        const nan = errorOf(() => k.gramF32(out.ptr, m.ptr, 4, 4, Number.NaN));
        expect(nan.code).toBe('AISLE_WASM_STATUS');
        expect(nan.details?.['status']).toBe(KernelStatus.BAD_ARGUMENT);
        expect(Array.from(out.view())).toEqual(new Array(16).fill(7));
        expect(errorOf(() => k.gramF32(m.ptr + 16, m.ptr, 4, 4, 0)).code).toBe(
          'AISLE_INVALID_ARGUMENT',
        );
      });
    });
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadKernels, reference, type Kernels } from '../../../engine/wasm/index.js';
import { BUILDS, FC, place, rng, uniform } from './support.js';

const EPS32 = 2 ** -24;

interface Case {
  rows: number;
  dim: number;
  seed: number;
  offQ: number;
  offM: number;
  offOut: number;
  zeroRowEvery: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  rows: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 300 })),
  dim: fc.oneof(fc.integer({ min: 0, max: 17 }), fc.integer({ min: 0, max: 140 })),
  seed: fc.nat(),
  offQ: fc.integer({ min: 0, max: 7 }),
  offM: fc.integer({ min: 0, max: 7 }),
  offOut: fc.integer({ min: 0, max: 7 }),
  zeroRowEvery: fc.integer({ min: 0, max: 5 }),
});

function inputs(c: Case): { q: Float32Array; m: Float32Array } {
  const next = rng(c.seed);
  const q = uniform(new Float32Array(c.dim), next);
  const m = uniform(new Float32Array(c.rows * c.dim), next);
  if (c.zeroRowEvery > 0)
    for (let r = 0; r < c.rows; r += c.zeroRowEvery) m.fill(0, r * c.dim, (r + 1) * c.dim);
  return { q, m };
}

/** Error bound for an f32 sum of `dim` products in any order: about dim * eps * sum |q_j m_j|. */
function dotTolerance(q: Float32Array, m: Float32Array, r: number, dim: number): number {
  let abs = 0;
  for (let j = 0; j < dim; j++) abs += Math.abs(q[j]! * m[r * dim + j]!);
  return (dim + 2) * EPS32 * abs * 2 + 1e-30;
}

describe.each(BUILDS)('dot and cosine kernels ($name)', ({ simd }) => {
  let k: Kernels;
  beforeAll(async () => {
    k = await loadKernels({ simd });
  });

  function run(kernel: 'dot' | 'cosine', c: Case): void {
    const { q, m } = inputs(c);
    const expected = new Float32Array(c.rows);
    const ref = kernel === 'dot' ? reference.dotF32Batch : reference.cosineF32Batch;
    ref(expected, q, m, c.rows, c.dim);
    k.arena.withScratch(() => {
      const pq = place(k, q, c.offQ);
      const pm = place(k, m, c.offM);
      const out = place(k, new Float32Array(c.rows).fill(Number.NaN), c.offOut);
      if (kernel === 'dot') k.dotF32Batch(out.ptr, pq.ptr, pm.ptr, c.rows, c.dim);
      else k.cosineF32Batch(out.ptr, pq.ptr, pm.ptr, c.rows, c.dim);
      const got = out.view();
      for (let r = 0; r < c.rows; r++) {
        const tol =
          kernel === 'dot' ? dotTolerance(q, m, r, c.dim) : (c.dim + 4) * EPS32 * 4 + 1e-7;
        expect(
          Math.abs(got[r]! - expected[r]!),
          `row ${r}: ${got[r]} vs ${expected[r]}`,
        ).toBeLessThanOrEqual(tol);
      }
      expect(out.guardIntact()).toBe(true);
      expect(Array.from(pq.view())).toEqual(Array.from(q));
      expect(Array.from(pm.view())).toEqual(Array.from(m));
    });
  }

  it('dot_f32_batch matches the reference over sizes, tails and offsets', () => {
    fc.assert(
      fc.property(caseArb, (c) => run('dot', c)),
      FC,
    );
  });

  it('cosine_f32_batch matches the reference over sizes, tails and offsets', () => {
    fc.assert(
      fc.property(caseArb, (c) => run('cosine', c)),
      FC,
    );
  });

  it.each([1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 33, 64, 128, 256])(
    'dot and cosine at dim %i',
    (dim) => {
      for (const offM of [0, 1, 3]) {
        run('dot', {
          rows: 37,
          dim,
          seed: dim * 7 + offM,
          offQ: offM,
          offM,
          offOut: 2,
          zeroRowEvery: 0,
        });
        run('cosine', {
          rows: 37,
          dim,
          seed: dim * 7 + offM,
          offQ: 1,
          offM,
          offOut: 0,
          zeroRowEvery: 4,
        });
      }
    },
  );

  it('cosine is exactly 0 for zero rows and a zero query, and 1 for a row equal to the query', () => {
    const dim = 9;
    const q = new Float32Array(dim).map((_, j) => j + 1);
    const m = new Float32Array(3 * dim);
    m.set(q, dim);
    k.arena.withScratch(() => {
      const pq = place(k, q);
      const pm = place(k, m);
      const out = place(k, new Float32Array(3));
      k.cosineF32Batch(out.ptr, pq.ptr, pm.ptr, 3, dim);
      expect(out.view()[0]).toBe(0);
      expect(out.view()[1]).toBeCloseTo(1, 6);
      expect(out.view()[2]).toBe(0);
      const zero = place(k, new Float32Array(dim));
      k.cosineF32Batch(out.ptr, zero.ptr, pm.ptr, 3, dim);
      expect(Array.from(out.view())).toEqual([0, 0, 0]);
    });
  });

  it('computes exact small-integer dot products', () => {
    k.arena.withScratch(() => {
      const q = place(k, new Float32Array([1, 2, 3, 4, 5]));
      const m = place(k, new Float32Array([1, 1, 1, 1, 1, 0, 0, 0, 0, 2, -1, 0, 0, 0, 0]));
      const out = place(k, new Float32Array(3));
      k.dotF32Batch(out.ptr, q.ptr, m.ptr, 3, 5);
      expect(Array.from(out.view())).toEqual([15, 10, -1]);
    });
  });
});

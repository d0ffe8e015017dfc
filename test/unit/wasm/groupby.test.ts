import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AisleError } from '../../../engine/errors.js';
import { KernelStatus, loadKernels, reference, type Kernels } from '../../../engine/wasm/index.js';
import { BUILDS, FC, place, rng, uniform } from './support.js';

interface Case {
  n: number;
  nGroups: number;
  seed: number;
  offKeys: number;
  offOut: number;
  offValues: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  n: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 2000 })),
  nGroups: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 500 })),
  seed: fc.nat(),
  offKeys: fc.integer({ min: 0, max: 7 }),
  offOut: fc.integer({ min: 0, max: 7 }),
  offValues: fc.integer({ min: 0, max: 3 }),
});

function data(c: Case) {
  const next = rng(c.seed);
  const keys = Uint32Array.from({ length: c.n }, () => Math.floor(next() * c.nGroups));
  const values = uniform(new Float64Array(c.n), next, -100, 100);
  const counts = Uint32Array.from({ length: c.nGroups }, () => Math.floor(next() * 10));
  counts[0] = 0xffffffff; // wraps like u32 arithmetic
  const sums = uniform(new Float64Array(c.nGroups), next, -10, 10);
  return { keys, values, counts, sums };
}

function caught(fn: () => void): AisleError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AisleError) return err;
    throw err;
  }
  throw new Error('expected an AisleError');
}

describe.each(BUILDS)('group-by kernels ($name)', ({ simd }) => {
  let k: Kernels;
  beforeAll(async () => {
    k = await loadKernels({ simd });
  });

  it('group_count_u32 matches the reference exactly', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { keys, counts } = data(c);
        const want = counts.slice();
        reference.groupCountU32(want, c.nGroups, keys, c.n);
        k.arena.withScratch(() => {
          const pc = place(k, counts, c.offOut);
          const pk = place(k, keys, c.offKeys);
          k.groupCountU32(pc.ptr, c.nGroups, pk.ptr, c.n);
          expect(Array.from(pc.view())).toEqual(Array.from(want));
          expect(pc.guardIntact()).toBe(true);
        });
      }),
      FC,
    );
  });

  it('group_sum_f64 matches the reference exactly (same summation order)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { keys, values, sums } = data(c);
        const want = sums.slice();
        reference.groupSumF64(want, c.nGroups, keys, values, c.n);
        k.arena.withScratch(() => {
          const ps = place(k, sums, c.offOut % 2);
          const pk = place(k, keys, c.offKeys);
          const pv = place(k, values, c.offValues);
          k.groupSumF64(ps.ptr, c.nGroups, pk.ptr, pv.ptr, c.n);
          expect(Array.from(ps.view())).toEqual(Array.from(want));
          expect(ps.guardIntact()).toBe(true);
        });
      }),
      FC,
    );
  });

  it('rejects a key >= nGroups with AISLE_WASM_STATUS and changes nothing', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), fc.constantFrom(0, 1, 1000, 0xffffffff), (c, where, over) => {
        fc.pre(c.n > 0);
        const { keys, values, counts, sums } = data(c);
        const bad = where % c.n;
        keys[bad] = Math.min(0xffffffff, c.nGroups + over);
        const first = keys.findIndex((key) => key >= c.nGroups);
        const refCounts = counts.slice();
        expect(reference.groupCountU32(refCounts, c.nGroups, keys, c.n)).toBe(
          KernelStatus.INDEX_OUT_OF_RANGE,
        );
        expect(Array.from(refCounts)).toEqual(Array.from(counts));
        k.arena.withScratch(() => {
          const pc = place(k, counts, c.offOut);
          const ps = place(k, sums);
          const pk = place(k, keys, c.offKeys);
          const pv = place(k, values);
          for (const err of [
            caught(() => k.groupCountU32(pc.ptr, c.nGroups, pk.ptr, c.n)),
            caught(() => k.groupSumF64(ps.ptr, c.nGroups, pk.ptr, pv.ptr, c.n)),
          ]) {
            expect(err.code).toBe('AISLE_WASM_STATUS');
            expect(err.details).toMatchObject({
              status: KernelStatus.INDEX_OUT_OF_RANGE,
              index: first,
            });
          }
          expect(Array.from(pc.view())).toEqual(Array.from(counts));
          expect(Array.from(ps.view())).toEqual(Array.from(sums));
        });
      }),
      FC,
    );
  });
});

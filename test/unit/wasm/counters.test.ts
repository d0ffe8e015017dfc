import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AisleError } from '../../../engine/errors.js';
import { KernelStatus, loadKernels, reference, type Kernels } from '../../../engine/wasm/index.js';
import { BUILDS, FC, place, rng, uniform } from './support.js';

const DAY_MS = 86_400_000;
const LAMBDA = Math.LN2 / (7 * DAY_MS); // one-week half-life

interface Case {
  n: number;
  nCounters: number;
  seed: number;
  offCounters: number;
  offIdx: number;
  offTs: number;
  offW: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  n: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 500 })),
  nCounters: fc.integer({ min: 1, max: 300 }),
  seed: fc.nat(),
  offCounters: fc.integer({ min: 0, max: 3 }),
  offIdx: fc.integer({ min: 0, max: 7 }),
  offTs: fc.integer({ min: 0, max: 3 }),
  offW: fc.integer({ min: 0, max: 3 }),
});

function events(c: Case, tRef: number) {
  const next = rng(c.seed);
  const idx = Uint32Array.from({ length: c.n }, () => Math.floor(next() * c.nCounters));
  const ts = Float64Array.from({ length: c.n }, () => tRef + (next() - 0.8) * 30 * DAY_MS);
  const w = uniform(new Float64Array(c.n), next, 0, 3);
  const counters = uniform(new Float64Array(c.nCounters), next, 0, 10);
  return { idx, ts, w, counters };
}

function expectClose(got: Float64Array, want: Float64Array, rel = 1e-12): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i]! - want[i]!), `slot ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(
      rel * Math.abs(want[i]!) + 1e-300,
    );
  }
}

function statusOf(fn: () => void): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof AisleError && err.code === 'AISLE_WASM_STATUS')
      return err.details?.['status'] as number;
    throw err;
  }
  return undefined;
}

describe.each(BUILDS)('decayed counter kernels ($name)', ({ simd }) => {
  let k: Kernels;
  beforeAll(async () => {
    k = await loadKernels({ simd });
  });

  it('scatter_add_decayed_f64 matches the reference (duplicates, offsets, sizes)', () => {
    fc.assert(
      fc.property(caseArb, fc.double({ min: 1.6e12, max: 1.8e12, noNaN: true }), (c, tRef) => {
        const { idx, ts, w, counters } = events(c, tRef);
        const want = counters.slice();
        expect(
          reference.scatterAddDecayedF64(want, c.nCounters, idx, ts, w, c.n, LAMBDA, tRef),
        ).toBe(KernelStatus.OK);
        k.arena.withScratch(() => {
          const pc = place(k, counters, c.offCounters);
          const pi = place(k, idx, c.offIdx);
          const pt = place(k, ts, c.offTs);
          const pw = place(k, w, c.offW);
          k.scatterAddDecayedF64(pc.ptr, c.nCounters, pi.ptr, pt.ptr, pw.ptr, c.n, LAMBDA, tRef);
          expectClose(pc.view(), want);
          expect(pc.guardIntact()).toBe(true);
        });
      }),
      FC,
    );
  });

  it('scale_f64 matches the reference exactly over sizes and offsets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 3 }),
        fc.nat(),
        (n, off, seed) => {
          const next = rng(seed);
          const values = uniform(new Float64Array(n), next, -5, 5);
          const factor = next() * 2;
          const want = values.slice();
          reference.scaleF64(want, n, factor);
          k.arena.withScratch(() => {
            const p = place(k, values, off);
            k.scaleF64(p.ptr, n, factor);
            expect(Array.from(p.view())).toEqual(Array.from(want));
            expect(p.guardIntact()).toBe(true);
          });
        },
      ),
      FC,
    );
  });

  it('renormalising with scale_f64 keeps decayed values equal to adding at the new tRef', () => {
    const tRef = 1.7e12;
    const c: Case = {
      n: 200,
      nCounters: 20,
      seed: 5,
      offCounters: 0,
      offIdx: 0,
      offTs: 0,
      offW: 0,
    };
    const { idx, ts, w } = events(c, tRef);
    k.arena.withScratch(() => {
      const a = place(k, new Float64Array(20));
      const b = place(k, new Float64Array(20));
      const [pi, pt, pw] = [place(k, idx), place(k, ts), place(k, w)];
      k.scatterAddDecayedF64(a.ptr, 20, pi.ptr, pt.ptr, pw.ptr, c.n, LAMBDA, tRef);
      const d = 3 * DAY_MS;
      k.scaleF64(a.ptr, 20, Math.exp(-LAMBDA * d));
      k.scatterAddDecayedF64(b.ptr, 20, pi.ptr, pt.ptr, pw.ptr, c.n, LAMBDA, tRef + d);
      expectClose(a.view(), b.view(), 1e-12);
    });
  });

  it('rejects an index >= nCounters with AISLE_WASM_STATUS and changes no counter', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), (c, where) => {
        fc.pre(c.n > 0);
        const tRef = 1.7e12;
        const { idx, ts, w, counters } = events(c, tRef);
        const bad = where % c.n;
        idx[bad] = c.nCounters + (where % 3);
        const refCounters = counters.slice();
        expect(
          reference.scatterAddDecayedF64(refCounters, c.nCounters, idx, ts, w, c.n, LAMBDA, tRef),
        ).toBe(KernelStatus.INDEX_OUT_OF_RANGE);
        expect(Array.from(refCounters)).toEqual(Array.from(counters));
        k.arena.withScratch(() => {
          const pc = place(k, counters, c.offCounters);
          const [pi, pt, pw] = [place(k, idx, c.offIdx), place(k, ts), place(k, w)];
          let error: unknown;
          try {
            k.scatterAddDecayedF64(pc.ptr, c.nCounters, pi.ptr, pt.ptr, pw.ptr, c.n, LAMBDA, tRef);
          } catch (err) {
            error = err;
          }
          expect(error).toBeInstanceOf(AisleError);
          expect((error as AisleError).code).toBe('AISLE_WASM_STATUS');
          expect((error as AisleError).details).toMatchObject({
            kernel: 'scatter_add_decayed_f64',
            status: KernelStatus.INDEX_OUT_OF_RANGE,
            index: idx.findIndex((i) => i >= c.nCounters),
          });
          expect((error as AisleError).message).toMatch(
            /scatter_add_decayed_f64.*INDEX_OUT_OF_RANGE.*idx\[\d+\]/,
          );
          expect(Array.from(pc.view())).toEqual(Array.from(counters));
          expect(pc.guardIntact()).toBe(true);
        });
      }),
      FC,
    );
  });

  it('rejects a non-finite lambda, tRef or factor with BAD_ARGUMENT and writes nothing', () => {
    k.arena.withScratch(() => {
      const counters = place(k, new Float64Array([1, 2, 3]));
      const [pi, pt, pw] = [
        place(k, new Uint32Array([0, 1])),
        place(k, new Float64Array([0, 0])),
        place(k, new Float64Array([1, 1])),
      ];
      for (const [lambda, tRef] of [
        [Number.NaN, 0],
        [LAMBDA, Number.POSITIVE_INFINITY],
      ]) {
        expect(
          statusOf(() =>
            k.scatterAddDecayedF64(counters.ptr, 3, pi.ptr, pt.ptr, pw.ptr, 2, lambda!, tRef!),
          ),
        ).toBe(KernelStatus.BAD_ARGUMENT);
      }
      expect(statusOf(() => k.scaleF64(counters.ptr, 3, Number.NaN))).toBe(
        KernelStatus.BAD_ARGUMENT,
      );
      expect(Array.from(counters.view())).toEqual([1, 2, 3]);
    });
  });
});

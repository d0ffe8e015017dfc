import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadKernels, reference, type Kernels } from '../../../engine/wasm/index.js';
import { BUILDS, FC, place, rng } from './support.js';

type Scores = Float32Array | Float64Array;

/** Independent oracle: sort every non-NaN index by (score desc, index asc). O(n log n). */
function oracle(scores: Scores, k: number): number[] {
  const idx: number[] = [];
  scores.forEach((s, i) => {
    if (!Number.isNaN(s)) idx.push(i);
  });
  idx.sort((a, b) => (scores[a] === scores[b] ? a - b : scores[a]! > scores[b]! ? -1 : 1));
  return idx.slice(0, k);
}

interface Case {
  n: number;
  k: number;
  seed: number;
  distinct: number;
  nanEvery: number;
  offScores: number;
  offIdx: number;
  offOut: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  n: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 600 })),
  k: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 700 })),
  seed: fc.nat(),
  // few distinct values => many ties; 0 => continuous values
  distinct: fc.constantFrom(0, 1, 2, 3, 10),
  nanEvery: fc.constantFrom(0, 0, 2, 3, 7),
  offScores: fc.integer({ min: 0, max: 7 }),
  offIdx: fc.integer({ min: 0, max: 7 }),
  offOut: fc.integer({ min: 0, max: 7 }),
});

const SPECIALS = [0, -0, Infinity, -Infinity, 1, -1];

function makeScores<T extends Scores>(ctor: new (n: number) => T, c: Case): T {
  const next = rng(c.seed);
  const s = new ctor(c.n);
  for (let i = 0; i < c.n; i++) {
    s[i] = c.distinct === 0 ? next() * 2 - 1 : Math.floor(next() * c.distinct);
    if (next() < 0.02) s[i] = SPECIALS[Math.floor(next() * SPECIALS.length)]!;
    if (c.nanEvery > 0 && i % c.nanEvery === 0) s[i] = Number.NaN;
  }
  return s;
}

describe.each(BUILDS)('topk kernels ($name)', ({ simd }) => {
  let k: Kernels;
  beforeAll(async () => {
    k = await loadKernels({ simd });
  });

  function run(width: 32 | 64, c: Case): void {
    const ctor = width === 32 ? Float32Array : Float64Array;
    const scores = makeScores<Scores>(ctor, c);
    const want = oracle(scores, c.k);
    const slots = Math.min(c.n, c.k);

    const refIdx = new Uint32Array(slots);
    const refScore = new ctor(slots);
    const refCount =
      width === 32
        ? reference.topkF32(refIdx, refScore as Float32Array, scores as Float32Array, c.n, c.k)
        : reference.topkF64(refIdx, refScore as Float64Array, scores as Float64Array, c.n, c.k);
    expect(Array.from(refIdx.subarray(0, refCount))).toEqual(want);

    k.arena.withScratch(() => {
      const ps = place(k, scores, c.offScores);
      const oi = place(k, new Uint32Array(slots).fill(0xdeadbeef), c.offIdx);
      const os = place(k, new ctor(slots).fill(-7), c.offOut);
      const count =
        width === 32
          ? k.topkF32(oi.ptr, os.ptr, ps.ptr, c.n, c.k)
          : k.topkF64(oi.ptr, os.ptr, ps.ptr, c.n, c.k);
      expect(count).toBe(want.length);
      const gotIdx = Array.from(oi.view().subarray(0, count));
      expect(gotIdx).toEqual(want);
      const gotScores = os.view();
      for (let i = 0; i < count; i++) expect(Object.is(gotScores[i], scores[want[i]!])).toBe(true);
      expect(Array.from(oi.view().subarray(count))).toEqual(
        new Array(slots - count).fill(0xdeadbeef),
      );
      expect(oi.guardIntact() && os.guardIntact() && ps.guardIntact()).toBe(true);
    });
  }

  it('topk_f32 matches the sort oracle (ties, NaN, k > n, offsets)', () => {
    fc.assert(
      fc.property(caseArb, (c) => run(32, c)),
      FC,
    );
  });

  it('topk_f64 matches the sort oracle (ties, NaN, k > n, offsets)', () => {
    fc.assert(
      fc.property(caseArb, (c) => run(64, c)),
      FC,
    );
  });

  it.each([32, 64] as const)('large n with small k (vector skip path), f%i', (width) => {
    for (const seed of [1, 2, 3]) {
      run(width, {
        n: 20_003,
        k: 20,
        seed,
        distinct: 0,
        nanEvery: 0,
        offScores: seed,
        offIdx: 1,
        offOut: 3,
      });
      run(width, {
        n: 5_001,
        k: 7,
        seed,
        distinct: 3,
        nanEvery: 5,
        offScores: 0,
        offIdx: 0,
        offOut: 0,
      });
    }
  });

  it('handles ascending input (every element enters the heap) and all-NaN input', () => {
    const c: Case = {
      n: 1000,
      k: 50,
      seed: 0,
      distinct: 0,
      nanEvery: 0,
      offScores: 0,
      offIdx: 0,
      offOut: 0,
    };
    k.arena.withScratch(() => {
      const asc = place(
        k,
        Float32Array.from({ length: c.n }, (_, i) => i),
        1,
      );
      const oi = place(k, new Uint32Array(c.k));
      const os = place(k, new Float32Array(c.k));
      expect(k.topkF32(oi.ptr, os.ptr, asc.ptr, c.n, c.k)).toBe(50);
      expect(Array.from(oi.view())).toEqual(Array.from({ length: 50 }, (_, i) => 999 - i));
      const nan = place(k, new Float32Array(c.n).fill(Number.NaN));
      expect(k.topkF32(oi.ptr, os.ptr, nan.ptr, c.n, c.k)).toBe(0);
      expect(k.topkF32(oi.ptr, os.ptr, asc.ptr, c.n, 0)).toBe(0);
      expect(k.topkF32(oi.ptr, os.ptr, asc.ptr, 0, c.k)).toBe(0);
    });
  });
});

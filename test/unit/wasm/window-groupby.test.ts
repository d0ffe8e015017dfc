import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AisleError } from '../../../engine/errors.js';
import { KernelStatus, loadKernels, reference, type Kernels } from '../../../engine/wasm/index.js';
import type { WindowGroupByArgs } from '../../../engine/wasm/kernels.js';
import { BUILDS, FC, place, rng, uniform } from './support.js';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

interface Case {
  n: number;
  nGroups: number;
  /** 0: no lookup; else the lookup's length (keys range over it). */
  nLookup: number;
  seed: number;
  typeMask: number;
  /** Window ends as hours from T0; null for an open end. */
  from: number | null;
  to: number | null;
  /** Element offsets from a 16-byte boundary, so the unaligned and tail paths run. */
  offTs: number;
  offType: number;
  offKeys: number;
  offOut: number;
}

const end = fc.oneof(fc.constant(null), fc.integer({ min: -2, max: 26 }));
const caseArb: fc.Arbitrary<Case> = fc.record({
  n: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3000 })),
  nGroups: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 400 })),
  nLookup: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 600 })),
  seed: fc.nat(),
  typeMask: fc.oneof(
    fc.constantFrom(0, 0xffff, 1 << 3, 0b1011),
    fc.integer({ min: 0, max: 0xffff }),
  ),
  from: end,
  to: end,
  offTs: fc.integer({ min: 0, max: 1 }),
  offType: fc.integer({ min: 0, max: 15 }),
  offKeys: fc.integer({ min: 0, max: 3 }),
  offOut: fc.integer({ min: 0, max: 1 }),
});

/** A chunk of the log: a day of timestamps, type codes mostly real (0..6), some never asked for. */
function data(c: Case) {
  const next = rng(c.seed);
  const ts = BigInt64Array.from({ length: c.n }, () => BigInt(T0 + Math.floor(next() * 24 * HOUR)));
  // Window edges land on row timestamps now and then, so [from, to) is tested at its ends.
  const edge = (h: number | null, open: number): number =>
    h === null
      ? open
      : c.n > 0 && next() < 0.3
        ? Number(ts[Math.floor(next() * c.n)]!)
        : T0 + h * HOUR;
  const from = edge(c.from, -Infinity);
  const to = edge(c.to, Infinity);
  const odd = [15, 16, 31, 32, 35, 255];
  const type = Uint8Array.from({ length: c.n }, () =>
    next() < 0.05 ? odd[Math.floor(next() * odd.length)]! : Math.floor(next() * 7),
  );
  const keyRange = c.nLookup === 0 ? c.nGroups : c.nLookup;
  const keys = Uint32Array.from({ length: c.n }, () => Math.floor(next() * keyRange));
  const lookup =
    c.nLookup === 0
      ? undefined
      : Uint32Array.from({ length: c.nLookup }, () => Math.floor(next() * c.nGroups));
  const quantity = Int32Array.from({ length: c.n }, () => Math.floor(next() * 9) - 2);
  const price = uniform(new Float32Array(c.n), next, 0, 500);
  const counts = Uint32Array.from({ length: c.nGroups }, () => Math.floor(next() * 5));
  counts[0] = 0xffffffff; // wraps like u32 arithmetic
  const units = uniform(new Float64Array(c.nGroups), next, -5, 5);
  const revenue = uniform(new Float64Array(c.nGroups), next, -5, 5);
  return { ts, type, keys, lookup, quantity, price, counts, units, revenue, from, to };
}

type Data = ReturnType<typeof data>;

/** The reference's answer on copies of the outputs, and its status. */
function expected(c: Case, d: Data) {
  const out = { counts: d.counts.slice(), units: d.units.slice(), revenue: d.revenue.slice() };
  const status = reference.windowGroupByU32({
    ...d,
    ...out,
    nGroups: c.nGroups,
    n: c.n,
    typeMask: c.typeMask,
    sel: new Uint32Array(c.n),
  });
  return { ...out, status };
}

/** Places the case in kernel memory and runs the kernel; call inside `withScratch`. */
function run(k: Kernels, c: Case, d: Data) {
  const counts = place(k, d.counts, c.offOut);
  const units = place(k, d.units, c.offOut);
  const revenue = place(k, d.revenue, c.offOut);
  const ts = place(k, d.ts, c.offTs);
  const type = place(k, d.type, c.offType);
  const keys = place(k, d.keys, c.offKeys);
  const lookup = d.lookup === undefined ? undefined : place(k, d.lookup, c.offKeys);
  const quantity = place(k, d.quantity, c.offKeys);
  const price = place(k, d.price, c.offOut);
  const sel = place(k, new Uint32Array(c.n));
  const args: WindowGroupByArgs = {
    counts: counts.ptr,
    units: units.ptr,
    revenue: revenue.ptr,
    nGroups: c.nGroups,
    ts: ts.ptr,
    type: type.ptr,
    keys: keys.ptr,
    lookup: lookup?.ptr ?? 0,
    nLookup: d.lookup?.length ?? 0,
    quantity: quantity.ptr,
    price: price.ptr,
    n: c.n,
    from: d.from,
    to: d.to,
    typeMask: c.typeMask,
    sel: sel.ptr,
  };
  let error: AisleError | undefined;
  try {
    k.windowGroupByU32(args);
  } catch (err) {
    if (!(err instanceof AisleError)) throw err;
    error = err;
  }
  const guards = [counts, units, revenue, ts, type, keys, quantity, price, sel];
  if (lookup !== undefined) guards.push(lookup);
  return {
    error,
    counts: counts.view(),
    units: units.view(),
    revenue: revenue.view(),
    guardsIntact: guards.every((g) => g.guardIntact()),
  };
}

describe.each(BUILDS)('window_group_by_u32 ($name)', ({ simd }) => {
  let k: Kernels;
  beforeAll(async () => {
    k = await loadKernels({ simd });
  });

  it('matches the reference exactly: window edges, type masks, lookups, tails', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const d = data(c);
        const want = expected(c, d);
        expect(want.status).toBe(KernelStatus.OK);
        k.arena.withScratch(() => {
          const got = run(k, c, d);
          expect(got.error).toBeUndefined();
          expect(Array.from(got.counts)).toEqual(Array.from(want.counts));
          expect(Array.from(got.units)).toEqual(Array.from(want.units));
          expect(Array.from(got.revenue)).toEqual(Array.from(want.revenue));
          expect(got.guardsIntact).toBe(true);
        });
      }),
      FC,
    );
  });

  it('refuses an out-of-range key or group of a selected row, writing nothing', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), fc.constantFrom(0, 1, 1000, 0xffffffff), (c, where, over) => {
        const d = data({ ...c, from: null, to: null });
        d.from = -Infinity;
        d.to = Infinity;
        const selected = [...d.type.keys()].filter(
          (i) => d.type[i]! < 16 && ((c.typeMask >>> d.type[i]!) & 1) === 1,
        );
        fc.pre(selected.length > 0);
        const bad = selected[where % selected.length]!;
        const badGroup = d.lookup !== undefined && where % 2 === 0;
        if (badGroup) d.lookup![d.keys[bad]!] = Math.min(0xffffffff, c.nGroups + over);
        else d.keys[bad] = Math.min(0xffffffff, (d.lookup?.length ?? c.nGroups) + over);
        expect(expected(c, d).status).toBe(KernelStatus.INDEX_OUT_OF_RANGE);
        k.arena.withScratch(() => {
          const got = run(k, c, d);
          expect(got.error?.code).toBe('AISLE_WASM_STATUS');
          expect(got.error?.details).toMatchObject({ status: KernelStatus.INDEX_OUT_OF_RANGE });
          expect(got.error?.message).toMatch(badGroup ? /lookup\[keys\[/ : /keys\[\d+\]/);
          expect(Array.from(got.counts)).toEqual(Array.from(d.counts));
          expect(Array.from(got.units)).toEqual(Array.from(d.units));
          expect(Array.from(got.revenue)).toEqual(Array.from(d.revenue));
        });
      }),
      FC,
    );
  });

  it('ignores out-of-range keys of rows outside the window or the mask', () => {
    const c: Case = {
      n: 100,
      nGroups: 3,
      nLookup: 0,
      seed: 1,
      typeMask: 1 << 3,
      from: 0,
      to: 1,
      offTs: 0,
      offType: 0,
      offKeys: 0,
      offOut: 0,
    };
    const d = data(c);
    for (let i = 0; i < c.n; i++) {
      const inside = Number(d.ts[i]!) >= d.from && Number(d.ts[i]!) < d.to;
      if (!inside || d.type[i] !== 3) d.keys[i] = 0xffffffff;
    }
    const want = expected(c, d);
    expect(want.status).toBe(KernelStatus.OK);
    k.arena.withScratch(() => {
      const got = run(k, c, d);
      expect(got.error).toBeUndefined();
      expect(Array.from(got.revenue)).toEqual(Array.from(want.revenue));
    });
  });

  it('rejects outputs that overlap each other or an input', () => {
    k.arena.withScratch(() => {
      const a = k.arena.scratch(4096);
      const base: WindowGroupByArgs = {
        counts: a,
        units: a + 64,
        revenue: a + 128,
        nGroups: 8,
        ts: a + 256,
        type: a + 512,
        keys: a + 576,
        lookup: 0,
        nLookup: 0,
        quantity: a + 640,
        price: a + 704,
        n: 8,
        from: -Infinity,
        to: Infinity,
        typeMask: 0,
        sel: a + 768,
      };
      expect(() => k.windowGroupByU32(base)).not.toThrow();
      for (const bad of [
        { units: a + 16 },
        { sel: a + 580 },
        { revenue: a + 256 },
        { lookup: a + 800, nLookup: 4, sel: a + 784 },
      ]) {
        expect(() => k.windowGroupByU32({ ...base, ...bad })).toThrow(
          expect.objectContaining({ code: 'AISLE_INVALID_ARGUMENT' }),
        );
      }
    });
  });

  it('rejects a type mask past 16 bits and window ends that are not integers', () => {
    const c: Case = {
      n: 4,
      nGroups: 2,
      nLookup: 0,
      seed: 2,
      typeMask: 1 << 16,
      from: null,
      to: null,
      offTs: 0,
      offType: 0,
      offKeys: 0,
      offOut: 0,
    };
    k.arena.withScratch(() => {
      expect(run(k, c, data(c)).error?.code).toBe('AISLE_INVALID_ARGUMENT');
      const d = data({ ...c, typeMask: 1 });
      d.from = 1.5;
      expect(run(k, { ...c, typeMask: 1 }, d).error?.message).toMatch(/from \(1\.5\)/);
      d.from = 0;
      d.to = Number.NaN;
      expect(run(k, { ...c, typeMask: 1 }, d).error?.message).toMatch(/to \(NaN\)/);
    });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AliasTable, Rng, zipfWeights } from '../../../src/sim/random.js';

describe('Rng', () => {
  it('repeats its sequence for the same seed and stream', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const xs = Array.from({ length: 100 }, () => a.u32());
    expect(Array.from({ length: 100 }, () => b.u32())).toEqual(xs);
  });

  it('gives different sequences for different seeds and streams', () => {
    const first = (r: Rng) => Array.from({ length: 8 }, () => r.u32());
    expect(first(new Rng(1))).not.toEqual(first(new Rng(2)));
    expect(first(new Rng(1, 0))).not.toEqual(first(new Rng(1, 1)));
    // Seeds that differ only above 32 bits still differ.
    expect(first(new Rng(2 ** 32))).not.toEqual(first(new Rng(0)));
  });

  it('keeps next() in [0, 1) and int(n) in [0, n)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 1_000_000 }), (seed, n) => {
        const r = new Rng(seed);
        for (let i = 0; i < 50; i++) {
          const x = r.next();
          const k = r.int(n);
          if (!(x >= 0 && x < 1) || !(Number.isInteger(k) && k >= 0 && k < n)) return false;
        }
        return true;
      }),
    );
  });

  it('draws distributions with the documented means', () => {
    const r = new Rng(3);
    const n = 200_000;
    let exp = 0;
    let geo = 0;
    let uni = 0;
    for (let i = 0; i < n; i++) {
      exp += r.exponential(50);
      geo += r.geometric(5);
      uni += r.next();
    }
    expect(exp / n).toBeCloseTo(50, 0);
    expect(geo / n).toBeGreaterThan(4.9);
    expect(geo / n).toBeLessThan(5.1);
    expect(uni / n).toBeCloseTo(0.5, 2);
    expect(r.geometric(1)).toBe(1);
  });

  it('shuffles into a permutation', () => {
    const xs = new Rng(5).shuffle(Array.from({ length: 100 }, (_, i) => i));
    expect([...xs].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(xs).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('AliasTable', () => {
  it('samples in proportion to the weights', () => {
    const weights = [5, 0, 1, 3, 1];
    const table = new AliasTable(weights);
    const r = new Rng(11);
    const counts = new Array<number>(weights.length).fill(0);
    const n = 200_000;
    for (let i = 0; i < n; i++) counts[table.sample(r)]!++;
    expect(counts[1]).toBe(0);
    for (let i = 0; i < weights.length; i++) {
      expect(counts[i]! / n).toBeCloseTo(weights[i]! / 10, 2);
    }
    expect(Array.from(table.p)).toEqual(weights.map((w) => w / 10));
  });

  it('never returns an index of zero weight (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0.001, max: 1000, noNaN: true })), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.integer(),
        (weights, seed) => {
          fc.pre(weights.some((w) => w > 0));
          const table = new AliasTable(weights);
          const r = new Rng(seed);
          for (let i = 0; i < 200; i++) {
            const k = table.sample(r);
            if (!(k >= 0 && k < weights.length) || weights[k] === 0) return false;
          }
          return true;
        },
      ),
    );
  });

  it('rejects empty, negative or all-zero weights', () => {
    expect(() => new AliasTable([])).toThrow(RangeError);
    expect(() => new AliasTable([1, -1])).toThrow(RangeError);
    expect(() => new AliasTable([0, 0])).toThrow(RangeError);
    expect(() => new AliasTable([1, Number.NaN])).toThrow(RangeError);
  });

  it('follows Zipf: rank 1 is drawn about twice as often as rank 2 at s = 1', () => {
    const table = new AliasTable(zipfWeights(1000, 1));
    const r = new Rng(2);
    let first = 0;
    let second = 0;
    for (let i = 0; i < 300_000; i++) {
      const k = table.sample(r);
      if (k === 0) first++;
      else if (k === 1) second++;
    }
    expect(first / second).toBeGreaterThan(1.85);
    expect(first / second).toBeLessThan(2.15);
  });
});
